#!/bin/sh
# Nexus dev-container entrypoint, mounted read-only at /run/nexus/init.sh.
# Exports the container environment for SSH sessions, starts a key-only sshd when the image has one,
# then runs the service's command (or waits).
set -eu

mkdir -p /etc/nexus
env | while IFS= read -r line; do
  key=${line%%=*}
  case "$key" in
    HOME | PATH | HOSTNAME | PWD | SHLVL | TERM | _ | "" ) continue ;;
    *[!A-Za-z0-9_]*) continue ;;
  esac
  value=${line#*=}
  printf "export %s='%s'\n" "$key" "$(printf '%s' "$value" | sed "s/'/'\\\\''/g")"
done > /etc/nexus/env

if command -v git >/dev/null 2>&1; then
  git config --system --get-all safe.directory 2>/dev/null | grep -qx '\*' || git config --system --add safe.directory '*'
fi

if [ -x /usr/sbin/sshd ] && [ -f /run/nexus/ssh/authorized_keys ]; then
  install -m 600 /run/nexus/ssh/ssh_host_ed25519_key /etc/ssh/ssh_host_ed25519_key
  install -m 644 /run/nexus/ssh/ssh_host_ed25519_key.pub /etc/ssh/ssh_host_ed25519_key.pub
  install -m 600 /run/nexus/ssh/authorized_keys /etc/ssh/nexus_authorized_keys
  cat > /etc/nexus/ssh-session.sh <<'SESSION'
#!/bin/sh
# Every SSH session starts in the worktree with the container's environment.
cd /workspace 2>/dev/null || cd /
. /etc/nexus/env
shell=/bin/sh
[ -x /bin/bash ] && shell=/bin/bash
case "${SSH_ORIGINAL_COMMAND:-}" in
  "") exec "$shell" -l ;;
  internal-sftp | sftp | */sftp-server) exec /usr/lib/openssh/sftp-server ;;
  *) exec "$shell" -c "$SSH_ORIGINAL_COMMAND" ;;
esac
SESSION
  chmod 755 /etc/nexus/ssh-session.sh
  cat > /etc/ssh/sshd_config.nexus <<'SSHD'
Port 22
HostKey /etc/ssh/ssh_host_ed25519_key
AuthorizedKeysFile /etc/ssh/nexus_authorized_keys
PermitRootLogin prohibit-password
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
PrintMotd no
AllowTcpForwarding yes
X11Forwarding no
Subsystem sftp /usr/lib/openssh/sftp-server
ForceCommand /etc/nexus/ssh-session.sh
SSHD
  mkdir -p /run/sshd
  chmod 755 /run/sshd
  /usr/sbin/sshd -f /etc/ssh/sshd_config.nexus -E /var/log/nexus-sshd.log
fi

if [ "$#" -gt 0 ]; then
  exec "$@"
fi
trap 'exit 0' TERM INT
sleep infinity &
wait $!

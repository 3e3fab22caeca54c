#!/bin/sh
# Nexus's setup of a workspace's dev container, run as root with `docker exec` after every start and
# mounted read-only at /run/nexus/init.sh. The image's own ENTRYPOINT and command are left alone.
#   init.sh UID GID [REMOTE_USER] [ssh|inetd|nossh]
# Maps the host user (UID/GID) onto a container user, so files written in the worktree belong to the
# host user; exports the container environment for SSH sessions; trusts the host's CA bundle; starts a
# key-only sshd when the image has one (inetd: only its setup, for `docker exec … sshd -i`, which the
# host's ssh runs for an image that is not Nexus's own and so has no port). Prints user=NAME and
# sshd=started|inetd|absent.
set -eu
uid=$1
gid=$2
want=${3:-}
ssh=${4:-nossh}

name_of() { awk -F: -v id="$2" '$3 == id { print $1; exit }' "$1"; }
exists() { grep -q "^$1:" /etc/passwd; }
shell=/bin/sh
[ -x /bin/bash ] && shell=/bin/bash

map_user() {
  if [ "$uid" = 0 ]; then user=${want:-root}; return; fi
  group=$(name_of /etc/group "$gid")
  if [ -z "$group" ]; then
    group=nexus
    grep -q "^nexus:" /etc/group && group="nexus$gid"
    echo "$group:x:$gid:" >> /etc/group
  fi
  if [ -n "$want" ] && exists "$want"; then
    user=$want
    if [ "$(awk -F: -v u="$want" '$1 == u { print $3 }' /etc/passwd)" != "$uid" ]; then
      # updateRemoteUserUID: the remote user takes the host's uid/gid.
      sed -i "s/^$want:\([^:]*\):[0-9]*:[0-9]*:/$want:\1:$uid:$gid:/" /etc/passwd
      home=$(awk -F: -v u="$want" '$1 == u { print $6 }' /etc/passwd)
      [ -d "$home" ] && chown -R "$uid:$gid" "$home" 2>/dev/null || true
    fi
    return
  fi
  user=$(name_of /etc/passwd "$uid")
  if [ -z "$user" ]; then
    user=nexus
    exists nexus && user="nexus$uid"
    echo "$user:x:$uid:$gid:Nexus workspace user:/home/$user:$shell" >> /etc/passwd
  fi
  home=$(awk -F: -v u="$user" '$1 == u { print $6 }' /etc/passwd)
  if [ -n "$home" ] && [ ! -d "$home" ]; then mkdir -p "$home" && chown "$uid:$gid" "$home"; fi
}

# One awk pass (a shell loop with a sed per variable took ~30 ms of every start); values stay whole,
# newlines included, in single quotes.
export_environment() {
  mkdir -p /etc/nexus
  # q is a single quote; one inside a value becomes '"'"' (no backslashes: every awk reads them alike).
  awk -v q="'" 'BEGIN {
    for (key in ENVIRON) {
      if (key ~ /^(HOME|PATH|HOSTNAME|PWD|SHLVL|TERM|USER|LOGNAME|_)$/ || key !~ /^[A-Za-z_][A-Za-z0-9_]*$/) continue
      value = ENVIRON[key]
      gsub(q, q "\"" q "\"" q, value)
      printf "export %s=%s%s%s\n", key, q, value, q
    }
    printf "export PATH=\"%s\"\n", ENVIRON["PATH"]
  }' > /etc/nexus/env
  chmod 644 /etc/nexus/env
}

# Tools find the bundle through NODE_EXTRA_CA_CERTS, SSL_CERT_FILE, ... at once; the system store
# catches up in the background (update-ca-certificates takes most of a second), and only on a change.
trust_host_ca() {
  [ -f /run/nexus/ca.crt ] || return 0
  [ -d /usr/local/share/ca-certificates ] && command -v update-ca-certificates >/dev/null 2>&1 || return 0
  installed=/usr/local/share/ca-certificates/nexus-host-ca.crt
  cmp -s /run/nexus/ca.crt "$installed" 2>/dev/null && return 0
  cp /run/nexus/ca.crt "$installed"
  (update-ca-certificates >/dev/null 2>&1 &)
}

start_sshd() {
  if [ "$ssh" = nossh ] || [ ! -x /usr/sbin/sshd ] || [ ! -f /run/nexus/ssh/authorized_keys ]; then
    echo "sshd=absent"
    return
  fi
  # After a restart the old pid file names a pid that another process may have now: ask for sshd by name.
  if [ "$ssh" = ssh ] && [ -f /run/nexus-sshd.pid ] && [ "$(cat "/proc/$(cat /run/nexus-sshd.pid)/comm" 2>/dev/null)" = sshd ]; then
    echo "sshd=started"
    return
  fi
  install -m 600 /run/nexus/ssh/ssh_host_ed25519_key /etc/ssh/ssh_host_ed25519_key
  install -m 644 /run/nexus/ssh/ssh_host_ed25519_key.pub /etc/ssh/ssh_host_ed25519_key.pub
  install -m 644 /run/nexus/ssh/authorized_keys /etc/ssh/nexus_authorized_keys
  # A locked password ("!", useradd's default) makes sshd refuse even a key: no password at all instead.
  [ -f /etc/shadow ] && sed -i "s/^$user:![^:]*:/$user:*:/" /etc/shadow
  cat > /etc/nexus/ssh-session.sh <<SESSION
#!/bin/sh
# Every SSH session starts in the worktree with the container's environment.
. /etc/nexus/env
cd "\${NEXUS_WORKSPACE_FOLDER:-/workspace}" 2>/dev/null || cd
case "\${SSH_ORIGINAL_COMMAND:-}" in
  "") exec $shell -l ;;
  internal-sftp | sftp | */sftp-server) exec /usr/lib/openssh/sftp-server ;;
  *) exec $shell -c "\$SSH_ORIGINAL_COMMAND" ;;
esac
SESSION
  chmod 755 /etc/nexus/ssh-session.sh
  cat > /etc/ssh/sshd_config.nexus <<'SSHD'
Port 22
HostKey /etc/ssh/ssh_host_ed25519_key
AuthorizedKeysFile /etc/ssh/nexus_authorized_keys
PidFile /run/nexus-sshd.pid
PermitRootLogin prohibit-password
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
PrintMotd no
AllowTcpForwarding yes
X11Forwarding no
Subsystem sftp /usr/lib/openssh/sftp-server
ForceCommand /etc/nexus/ssh-session.sh
SSHD
  mkdir -p /run/sshd
  chmod 755 /run/sshd
  if [ "$ssh" = inetd ]; then
    echo "sshd=inetd"
    return
  fi
  /usr/sbin/sshd -f /etc/ssh/sshd_config.nexus -E /var/log/nexus-sshd.log
  echo "sshd=started"
}

map_user
export_environment
if command -v git >/dev/null 2>&1; then
  git config --system --get-all safe.directory 2>/dev/null | grep -qx '\*' || git config --system --add safe.directory '*'
fi
trust_host_ca
start_sshd
echo "user=$user"

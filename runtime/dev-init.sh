#!/bin/sh
# Nexus's setup of a workspace's dev container, run as root with `docker exec` after every start and
# mounted read-only at /run/nexus/init.sh. The image's own ENTRYPOINT and command are left alone.
#   init.sh UID GID [REMOTE_USER] [ssh|inetd|nossh]
# Maps the host user (UID/GID) onto a container user, so files written in the worktree belong to the
# host user; exports the container environment for SSH sessions; trusts the host's CA bundle; starts a
# key-only sshd when the image has one (inetd: only its setup, for `docker exec … sshd -i`, which the
# host's ssh runs for an image that is not Nexus's own and so has no port). Prints user=NAME and
# sshd=started|inetd|absent.
# The SSH keys come in this exec's environment, at every start: the client key to authorise and the
# host key pair to serve (the host pins it). A running container so takes new keys when the host's
# ~/.nexus was deleted and made again. They are not exported to sessions.
set -eu
uid=$1
gid=$2
want=${3:-}
ssh=${4:-nossh}
authorized=${NEXUS_SSH_AUTHORIZED_KEY:-}
host_key=${NEXUS_SSH_HOST_KEY:-}
host_pub=${NEXUS_SSH_HOST_KEY_PUB:-}
unset NEXUS_SSH_AUTHORIZED_KEY NEXUS_SSH_HOST_KEY NEXUS_SSH_HOST_KEY_PUB

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

# Writes FILE with MODE and CONTENT when it differs, whole (renamed into place): `sshd -i` may read it now.
put() {
  if [ "$(cat "$1" 2>/dev/null)" = "$3" ]; then return 0; fi
  (umask 077 && printf '%s\n' "$3" > "$1.nexus-new")
  chmod "$2" "$1.nexus-new"
  mv -f "$1.nexus-new" "$1"
}

# rekeyed=yes when the host key is not the one a running sshd may serve.
install_keys() {
  rekeyed=no
  [ "$(cat /etc/ssh/ssh_host_ed25519_key 2>/dev/null)" = "$host_key" ] || rekeyed=yes
  put /etc/ssh/ssh_host_ed25519_key 600 "$host_key"
  put /etc/ssh/ssh_host_ed25519_key.pub 644 "$host_pub"
  put /etc/ssh/nexus_authorized_keys 644 "$authorized"
}

# A live process (a zombie left for a PID 1 that reaps nothing has closed its port already).
alive() { [ -r "/proc/$1/status" ] && ! grep -q '^State:[[:space:]]*Z' "/proc/$1/status"; }

start_sshd() {
  if [ "$ssh" = nossh ] || [ ! -x /usr/sbin/sshd ] || [ -z "$authorized" ]; then
    echo "sshd=absent"
    return
  fi
  install_keys
  # After a restart the old pid file names a pid that another process may have now: ask for sshd by name.
  if [ "$ssh" = ssh ] && [ -f /run/nexus-sshd.pid ] && [ "$(cat "/proc/$(cat /run/nexus-sshd.pid)/comm" 2>/dev/null)" = sshd ]; then
    # A new client key is read at the next login; a new host key only by a new sshd (open sessions stay).
    if [ "$rekeyed" = no ]; then
      echo "sshd=started"
      return
    fi
    pid=$(cat /run/nexus-sshd.pid)
    kill "$pid" 2>/dev/null || true
    tries=0
    while alive "$pid" && [ "$tries" -lt 50 ]; do
      sleep 0.1
      tries=$((tries + 1))
    done
  fi
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

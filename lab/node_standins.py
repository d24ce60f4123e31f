"""The recording stand-ins of a real-userland twin node (lab/node_userland.py), each one bash
script written over the tool's path in the node's own layer.

The twin's nodes share the machine's kernel and have no init of their own, so what would touch
either is recorded under /var/lib/bgplab-standin, not done:
- modprobe: records the request. What the kernel has, built in or loaded, shows in /sys/module
  and /proc/sys, which are real; the bootstrap checks those.
- swapon / swapoff: a swap list of the node's own (the cloud image's /swap.img to start), so
  `swapoff -a` never turns off the machine's swap.
- systemctl: is-enabled, is-active, enable [--now], disable, start, stop, restart,
  daemon-reload over the unit files packages install; no process is started.
- sysctl: keys under net.* are real (per network namespace) through procps's own sysctl, kept
  as /usr/lib/bgplab/sysctl.real; any other key is recorded, and read back from the record
  (else from the kernel, read only).
"""

from __future__ import annotations

from pathlib import Path

STANDIN_STATE = "/var/lib/bgplab-standin"
SYSCTL_REAL = "/usr/lib/bgplab/sysctl.real"

_HEAD = "#!/bin/bash\n# bgplab stand-in, see lab/node_standins.py in bgplb\n"

MODPROBE = (
    _HEAD
    + f"""S={STANDIN_STATE}
if [ "$(id -u)" != 0 ]; then
  for m in "$@"; do
    case $m in -*) ;; *) echo "modprobe: ERROR: could not insert '$m': Operation not permitted" >&2
      exit 1;; esac
  done
fi
mkdir -p "$S" && echo "$*" >> "$S/modprobe.log"
"""
)

SWAPON = (
    _HEAD
    + f"""S={STANDIN_STATE}/swaps
touch "$S" 2>/dev/null
case " $* " in
  *" -a "*|*" --all "*)
    if [ "$(id -u)" != 0 ]; then
      echo "swapon: cannot open /swap.img: Permission denied" >&2; exit 4
    fi
    while read -r dev _ type _; do
      [[ -z $dev || $dev == \\#* || $type != swap ]] && continue
      grep -qxF -- "$dev" "$S" || echo "$dev" >> "$S"
    done < /etc/fstab
    exit 0;;
esac
if [ -s "$S" ]; then
  case " $* " in *" --noheadings "*) ;; *) echo NAME;; esac
  cat "$S"
fi
"""
)

SWAPOFF = (
    _HEAD
    + f"""S={STANDIN_STATE}/swaps
if [ "$(id -u)" != 0 ]; then
  echo "swapoff: /swap.img: swapoff failed: Operation not permitted" >&2; exit 4
fi
case " $* " in
  *" -a "*|*" --all "*) : > "$S";;
  *) for d in "$@"; do grep -vxF -- "$d" "$S" > "$S.new"; mv "$S.new" "$S"; done;;
esac
"""
)

SYSTEMCTL = (
    _HEAD
    + f"""D={STANDIN_STATE}/units
verb=; now=; units=()
for a in "$@"; do
  case $a in --now) now=1;; -q|--quiet|--no-pager|--system) ;; -*) ;;
    *) if [ -z "$verb" ]; then verb=$a; else units+=("${{a%.service}}"); fi;; esac
done
unit_file() {{
  for d in /etc/systemd/system /lib/systemd/system /usr/lib/systemd/system; do
    [ -e "$d/$1.service" ] && return 0
  done
  return 1
}}
need_root() {{
  if [ "$(id -u)" != 0 ]; then echo "Failed to $1 unit: Access denied" >&2; exit 1; fi
  mkdir -p "$D"
}}
rc=0
case $verb in
  daemon-reload) need_root reload;;
  is-enabled)
    for u in "${{units[@]}}"; do
      if ! unit_file "$u"; then
        echo "Failed to get unit file state for $u.service: No such file or directory" >&2; rc=1
      elif [ -e "$D/$u.enabled" ]; then echo enabled; else echo disabled; rc=1; fi
    done;;
  is-active)
    for u in "${{units[@]}}"; do
      if [ -e "$D/$u.active" ]; then echo active; else echo inactive; rc=3; fi
    done;;
  enable|disable|start|stop|restart)
    need_root "$verb"
    for u in "${{units[@]}}"; do
      if ! unit_file "$u"; then
        echo "Failed to $verb unit: Unit file $u.service does not exist." >&2; exit 1
      fi
      case $verb in
        enable) touch "$D/$u.enabled"; [ -n "$now" ] && touch "$D/$u.active";;
        disable) rm -f "$D/$u.enabled"; [ -n "$now" ] && rm -f "$D/$u.active";;
        start|restart) touch "$D/$u.active";;
        stop) rm -f "$D/$u.active";;
      esac
    done;;
  *) echo "Unknown command verb $verb." >&2; rc=1;;
esac
exit $rc
"""
)

SYSCTL = (
    _HEAD
    + f"""REAL={SYSCTL_REAL}
D={STANDIN_STATE}/sysctl
ORIG=("$@")
names=1; quiet=; system=; files=(); items=()
while [ $# -gt 0 ]; do
  case $1 in
    -n|--values) names=;;
    -N|--names) names=only;;
    -q|--quiet) quiet=1;;
    -w|--write|-e|--ignore) ;;
    --system) system=1;;
    -p|--load) if [[ -n ${{2:-}} && $2 != -* ]]; then files+=("$2"); shift
               else files+=(/etc/sysctl.conf); fi;;
    --load=*) files+=("${{1#--load=}}");;
    -p*) files+=("${{1#-p}}");;
    -*) exec "$REAL" "${{ORIG[@]}}";;
    *) items+=("$1");;
  esac
  shift
done
rc=0
show() {{ # key value
  [ -n "$quiet" ] && return
  if [ "$names" = 1 ]; then echo "$1 = $2"; elif [ -z "$names" ]; then echo "$2"; else echo "$1"; fi
}}
one() {{ # key or key=value
  local key val
  key=${{1%%=*}}; key=${{key//\\//.}}; key=${{key// /}}
  if [[ $1 == *=* ]]; then
    val=${{1#*=}}
    val="${{val#"${{val%%[![:space:]]*}}"}}"
    val="${{val%"${{val##*[![:space:]]}}"}}"
    if [ "$(id -u)" != 0 ]; then
      echo "sysctl: permission denied on key \\"$key\\"" >&2; rc=1; return
    fi
    if [[ $key == net.* ]]; then
      "$REAL" -q -w "$key=$val" || {{ rc=1; return; }}
    else
      mkdir -p "$D" && printf '%s\\n' "$val" > "$D/$key"
    fi
    show "$key" "$val"
  else
    if [[ $key != net.* && -e $D/$key ]]; then val=$(cat "$D/$key")
    else val=$("$REAL" -n "$key") || {{ rc=$?; return; }}; fi
    show "$key" "$val"
  fi
}}
load() {{ # file
  local line
  [ -n "$system" ] && [ -z "$quiet" ] && echo "* Applying $1 ..."
  while IFS= read -r line || [ -n "$line" ]; do
    line="${{line#"${{line%%[![:space:]]*}}"}}"
    [[ -z $line || $line == \\#* || $line == \\;* ]] && continue
    one "${{line#-}}"
  done < "$1"
}}
if [ -n "$system" ]; then
  declare -A seen; list=()
  for dir in /etc/sysctl.d /run/sysctl.d /usr/local/lib/sysctl.d /usr/lib/sysctl.d /lib/sysctl.d; do
    for f in "$dir"/*.conf; do
      [ -e "$f" ] || continue
      b=${{f##*/}}; [ -n "${{seen[$b]:-}}" ] && continue
      seen[$b]=1; list+=("$b:$f")
    done
  done
  while IFS= read -r e; do
    [ -n "$e" ] && load "${{e#*:}}"
  done < <(printf '%s\\n' "${{list[@]}}" | sort)
  [ -e /etc/sysctl.conf ] && load /etc/sysctl.conf
  exit $rc
fi
for f in "${{files[@]}}"; do load "$f"; done
for i in "${{items[@]}}"; do one "$i"; done
exit $rc
"""
)

# path in the node -> script
STANDINS = {
    "/usr/sbin/modprobe": MODPROBE,
    "/usr/sbin/swapon": SWAPON,
    "/usr/sbin/swapoff": SWAPOFF,
    "/usr/bin/systemctl": SYSTEMCTL,
    "/usr/sbin/sysctl": SYSCTL,
}


def standin_files(rootfs: Path) -> dict[str, tuple[bytes, int]]:
    """Every file the stand-ins need in a node's layer: the scripts, and procps's real sysctl
    (from the rootfs) where the sysctl stand-in calls it."""
    files = {path: (text.encode(), 0o755) for path, text in STANDINS.items()}
    files[SYSCTL_REAL] = ((rootfs / "usr/sbin/sysctl").read_bytes(), 0o755)
    return files

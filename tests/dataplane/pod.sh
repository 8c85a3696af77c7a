#!/bin/sh
# What a notebook pod does with its shares in the data-plane harness (tests/dataplane).
# Runs as the pod's uid, gid, groups and umask, in a mount namespace where $VIEW/<share> is the
# pod's mount of each share (read-only bind mounts for read-only shares) and nothing else.
#
#   MOUNTS   "share:rw share:ro ..."   the pod's mounts
#   EDIT     "share:other ..."         writers: whose files to change in each share
#   DIRECTORIES "share:dir ..."        outsiders: the shares' declared directories to try
# Prints one line per operation: "<share> <operation> ok|fail".
set -u
phase=$1 user=$2

try() {
  share=$1 operation=$2
  shift 2
  if "$@" >/dev/null 2>&1; then
    echo "$share $operation ok"
  else
    echo "$share $operation fail"
  fi
}

write() {
  printf 'written by %s\n' "$user" >"$1/$user.txt" && mkdir "$1/$user.d" && printf 'notes\n' >"$1/$user.d/notes"
}

read_all() {
  dir=$1
  ls "$dir" || return 1
  set -- "$dir"/*.txt
  if [ -e "$1" ]; then cat "$@" || return 1; fi
  set -- "$dir"/*.d
  if [ -e "$1" ]; then ls "$@" || return 1; fi
}

edit() {
  printf 'edited by %s\n' "$user" >>"$1/$2.txt" && printf 'more\n' >"$1/$2.d/from-$user" \
    && rm "$1/$2.d/notes" && mkdir "$1/$2.d/sub-$user" && rmdir "$1/$2.d/sub-$user"
}

for mount in $MOUNTS; do
  share=${mount%%:*} mode=${mount#*:}
  dir=$VIEW/$share
  case $phase in
    write)
      [ "$mode" = rw ] && try "$share" write write "$dir"
      ;;
    use)
      try "$share" read read_all "$dir"
      if [ "$mode" = ro ]; then
        try "$share" write-read-only touch "$dir/.$user-probe"
      fi
      for pair in ${EDIT:-}; do
        [ "${pair%%:*}" = "$share" ] && try "$share" edit-other edit "$dir" "${pair#*:}"
      done
      ;;
    intrude)
      try "$share" enter ls "$dir"
      try "$share" read read_all "$dir"
      for pair in ${DIRECTORIES:-}; do
        [ "${pair%%:*}" = "$share" ] && try "$share/${pair#*:}" enter ls "$dir/${pair#*:}"
      done
      ;;
  esac
done
exit 0

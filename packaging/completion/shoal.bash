# bash completion for shoal (docs/cli.md "Completion"), installed as
# /usr/share/bash-completion/completions/shoal. It holds no list of commands:
# `shoal __complete WORD...` walks the binary's own command table and prints
# what the word under the cursor can be (first line: words, files or dirs),
# asking the running daemon for folder labels and device names. Nothing here
# needs the bash-completion package's helpers.

# Sets REPLY to WORD without the shell's quoting: My\ Docs and "My Docs"
# both give My Docs (what the binary matches against).
_shoal_dequote() {
  local in=$1 c quote='' i
  REPLY=''
  for ((i = 0; i < ${#in}; i++)); do
    c=${in:i:1}
    if [[ -n $quote ]]; then
      if [[ $c == "$quote" ]]; then
        quote=''
      elif [[ $quote == '"' && $c == '\' && i+1 -lt ${#in} ]]; then
        ((i++)); REPLY+=${in:i:1}
      else
        REPLY+=$c
      fi
    elif [[ $c == "'" || $c == '"' ]]; then
      quote=$c
    elif [[ $c == '\' ]]; then
      ((i++)); REPLY+=${in:i:1}
    else
      REPLY+=$c
    fi
  done
}

_shoal() {
  local shoal=${COMP_WORDS[0]/#\~/$HOME}
  local cur=${COMP_WORDS[COMP_CWORD]}
  local -a words=() lines=()
  local i word glue=0
  # The words after `shoal`, dequoted, with --option=VALUE put back together
  # (bash splits the line at '=').
  for ((i = 1; i <= COMP_CWORD; i++)); do
    word=${COMP_WORDS[i]}
    if [[ $word == '=' && ${#words[@]} -gt 0 && ${words[-1]} == --* && ${words[-1]} != *=* ]]; then
      words[-1]+='='; glue=1
    elif ((glue)); then
      _shoal_dequote "$word"; words[-1]+=$REPLY; glue=0
    else
      _shoal_dequote "$word"; words+=("$REPLY")
    fi
  done
  local eq=''  # the cursor is on the '=' of --option=: replies keep it
  [[ $cur == '=' ]] && { eq='='; cur=''; }
  ((COMP_CWORD == 0)) && return 0
  mapfile -t lines < <("$shoal" __complete "${words[@]}" 2>/dev/null)
  COMPREPLY=()
  _shoal_dequote "$cur"
  local typed=$REPLY
  case ${lines[0]-} in
    files)
      compopt -o filenames 2>/dev/null
      mapfile -t COMPREPLY < <(compgen -f -- "$typed")
      ;;
    dirs)
      compopt -o filenames 2>/dev/null
      mapfile -t COMPREPLY < <(compgen -d -- "$typed")
      ;;
    words)
      local candidate quoted
      for candidate in "${lines[@]:1}"; do
        printf -v quoted '%q' "$candidate"
        COMPREPLY+=("$eq$quoted")
      done
      ;;
  esac
  return 0
}

complete -F _shoal shoal

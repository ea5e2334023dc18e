_kvault_complete() {
    local IFS=$'\013'
    local line=${COMP_LINE:0:COMP_POINT}
    local -a words
    IFS=$' \t\n' read -r -a words <<< "$line"
    if [[ -z $line || $line == *[[:space:]] ]]; then
        words+=("")
    fi
    local cword=$(( ${#words[@]} - 1 ))
    local cur=${words[cword]}
    COMPREPLY=( $( \
        _CLAP_IFS="$IFS" \
        _CLAP_COMPLETE_INDEX="$cword" \
        _CLAP_COMPLETE_COMP_TYPE="${COMP_TYPE}" \
        _CLAP_COMPLETE_SPACE=false \
        COMPLETE="bash" \
        "kvault" -- "${words[@]}" \
    ) )
    if [[ $? != 0 ]]; then
        unset COMPREPLY
        return
    fi
    local kept=${cur##*[:=]}
    local cut=${cur%"$kept"}
    if [[ -n $cut && $COMP_WORDBREAKS == *[:=]* ]]; then
        COMPREPLY=( "${COMPREPLY[@]#"$cut"}" )
    fi
    if [[ ${#COMPREPLY[@]} == 1 && ${COMPREPLY[0]} =~ [=/:]$ ]]; then
        compopt -o nospace
    fi
}
complete -F _kvault_complete kvault

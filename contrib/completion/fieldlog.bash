# bash completion for fieldlog: commands, subcommands, options, option
# values (communes by code or name, domains, provinces, statuses) and the
# ids of the workspace's records. The answers come from the program itself
# (`fieldlog __complete WORD... CURRENT`), so they follow its tables and
# the workspace named by -C or $FIELDLOG_HOME.
# Installed by `make install` as .../bash-completion/completions/fieldlog.

_fieldlog()
{
	local cur=${COMP_WORDS[COMP_CWORD]} quote= c
	local IFS=$'\n'
	local -a words answers

	# A word begun with a quote: complete what is inside it.
	case $cur in
	\"*|\'*) quote=${cur:0:1}; cur=${cur:1} ;;
	*) cur=${cur//\\ / } ;;
	esac
	words=("${COMP_WORDS[@]:1:COMP_CWORD-1}" "$cur")
	answers=($("${COMP_WORDS[0]}" __complete "${words[@]}" 2>/dev/null))
	COMPREPLY=()
	for c in "${answers[@]}"; do
		# Commune names have spaces: escape them unless a quote is open.
		if [ -z "$quote" ]; then
			c=${c// /\\ }
		fi
		COMPREPLY+=("$c")
	done
}
complete -o default -F _fieldlog fieldlog

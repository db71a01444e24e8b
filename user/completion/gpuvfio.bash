# SPDX-License-Identifier: GPL-2.0
# bash completion for gpuvfio(8); install as
# /usr/share/bash-completion/completions/gpuvfio.
#
# Targets are the PCI addresses of display controllers and their audio
# functions (every PCI device once nothing else matches) and their
# vendor:device IDs, read from sysfs (GPUVFIO_SYSFS_ROOT replaces /sys, as
# for the tool). tests/unit/completion_test.sh checks that the commands and
# options offered here are exactly those of `gpuvfio --help` and
# `gpuvfio COMMAND --help`.

_gpuvfio_commands="status bind unbind ids exclude monitor check xml nova kubevirt metrics help"
_gpuvfio_global_opts="-j --json -h --help -V --version"

# _gpuvfio_devices [all]: "ADDRESS ID" lines for display and audio devices,
# or for every device with "all".
_gpuvfio_devices()
{
	local root=${GPUVFIO_SYSFS_ROOT:-/sys} dev class vendor device
	for dev in "$root"/bus/pci/devices/*; do
		[[ -e $dev/class ]] || continue
		read -r class <"$dev/class" 2>/dev/null || continue
		if [[ ${1:-} != all && $class != 0x03* && $class != 0x0403* ]]; then
			continue
		fi
		read -r vendor <"$dev/vendor" 2>/dev/null
		read -r device <"$dev/device" 2>/dev/null
		printf '%s %s:%s\n' "${dev##*/}" "${vendor#0x}" "${device#0x}"
	done
}

# _gpuvfio_targets CUR: addresses and IDs that start with CUR.
_gpuvfio_targets()
{
	local words
	words=$(_gpuvfio_devices | tr ' ' '\n' | sort -u)
	if [[ -z $(compgen -W "$words" -- "$1") ]]; then
		words=$(_gpuvfio_devices all | tr ' ' '\n' | sort -u)
	fi
	compgen -W "$words" -- "$1"
}

# _gpuvfio_ids CUR: vendor:device IDs of display and audio devices.
_gpuvfio_ids()
{
	compgen -W "$(_gpuvfio_devices | cut -d' ' -f2 | sort -u)" -- "$1"
}

# _gpuvfio_configured LIST CUR: the items in the module's ids or exclude list.
_gpuvfio_configured()
{
	local root=${GPUVFIO_SYSFS_ROOT:-/sys} list
	read -r list <"$root/kernel/gpuvfio/$1" 2>/dev/null
	compgen -W "${list//,/ }" -- "$2"
}

# _gpuvfio_addresses CUR: addresses of display and audio devices.
_gpuvfio_addresses()
{
	compgen -W "$(_gpuvfio_devices | cut -d' ' -f1)" -- "$1"
}

_gpuvfio()
{
	local line words=() cword cur prev cmd='' cmdi=0 i w split=''
	local IFS=$' \t\n'
	local -a replies=()

	COMPREPLY=()

	# Split the line ourselves: bash breaks words at ':', and addresses and
	# IDs are full of them. Without a line (a test), take COMP_WORDS.
	if [[ -n ${COMP_LINE+x} ]]; then
		split=1
		line=${COMP_LINE:0:${COMP_POINT:-${#COMP_LINE}}}
		read -r -a words <<<"$line"
		if [[ -z $line || $line == *[[:space:]] ]]; then
			words+=("")
		fi
	else
		words=("${COMP_WORDS[@]:0:COMP_CWORD+1}")
	fi
	cword=$((${#words[@]} - 1))
	cur=${words[cword]}
	prev=${words[cword - 1]:-}

	for ((i = 1; i < cword; i++)); do
		case ${words[i]} in
		-*) ;;
		*) cmd=${words[i]}; cmdi=$i; break ;;
		esac
	done

	case $cmd in
	"")
		if [[ $cur == -* ]]; then
			mapfile -t replies < <(compgen -W "$_gpuvfio_global_opts" -- "$cur")
		else
			mapfile -t replies < <(compgen -W "$_gpuvfio_commands" -- "$cur")
		fi
		;;
	status | check)
		if [[ $cur == -* ]]; then
			mapfile -t replies < <(compgen -W "-j --json -h --help" -- "$cur")
		else
			mapfile -t replies < <(_gpuvfio_targets "$cur")
		fi
		;;
	bind | unbind)
		case $prev in
		-t | --timeout)
			;;	# seconds: nothing to offer
		*)
			if [[ $cur == -* ]]; then
				mapfile -t replies < <(compgen -W "--all -n --dry-run -f --force -t --timeout -j --json -h --help" -- "$cur")
			else
				for ((i = cmdi + 1; i < cword; i++)); do
					w=${words[i]}
					[[ $w == --all ]] && return 0
				done
				mapfile -t replies < <(_gpuvfio_targets "$cur")
			fi
			;;
		esac
		;;
	ids | exclude)
		local sub=''
		for ((i = cmdi + 1; i < cword; i++)); do
			case ${words[i]} in
			-*) ;;
			*) sub=${words[i]}; break ;;
			esac
		done
		if [[ $cur == -* ]]; then
			mapfile -t replies < <(compgen -W "-j --json --persist -h --help" -- "$cur")
		else
			case $sub in
			"") mapfile -t replies < <(compgen -W "show set add del" -- "$cur") ;;
			set | add)
				if [[ $cmd == ids ]]; then
					mapfile -t replies < <(_gpuvfio_ids "$cur")
				else
					mapfile -t replies < <(_gpuvfio_addresses "$cur")
				fi
				;;
			del) mapfile -t replies < <(_gpuvfio_configured "$cmd" "$cur") ;;
			esac
		fi
		;;
	xml)
		case $prev in
		-b | --guest-bus | -s | --guest-slot | -f | --function)
			;;	# numbers: nothing to offer
		*)
			if [[ $cur == -* ]]; then
				mapfile -t replies < <(compgen -W "-b --guest-bus -s --guest-slot -f --function -H --hide-hypervisor -j --json -h --help" -- "$cur")
			else
				mapfile -t replies < <(_gpuvfio_targets "$cur")
			fi
			;;
		esac
		;;
	nova)
		case $prev in
		-p | --numa-policy)
			mapfile -t replies < <(compgen -W "preferred required legacy socket" -- "$cur")
			;;
		-r | --resource-class | -t | --trait)
			;;	# Placement names: nothing to offer
		*)
			if [[ $cur == -* ]]; then
				mapfile -t replies < <(compgen -W "-r --resource-class -t --trait -p --numa-policy -j --json -h --help" -- "$cur")
			fi
			;;
		esac
		;;
	kubevirt)
		if [[ $prev != -d && $prev != --domain && $cur == -* ]]; then
			mapfile -t replies < <(compgen -W "-d --domain -e --external -j --json -h --help" -- "$cur")
		fi
		;;
	metrics)
		case $prev in
		-o | --output)
			mapfile -t replies < <(compgen -f -- "$cur")
			;;
		*)
			if [[ $cur == -* ]]; then
				mapfile -t replies < <(compgen -W "-o --output -h --help" -- "$cur")
			fi
			;;
		esac
		;;
	monitor)
		if [[ $cur == -* ]]; then
			mapfile -t replies < <(compgen -W "-j --json -h --help" -- "$cur")
		fi
		;;
	help)
		if [[ $cword -eq $((cmdi + 1)) ]]; then
			mapfile -t replies < <(compgen -W "$_gpuvfio_commands" -- "$cur")
		fi
		;;
	esac

	# Bash replaces only the part of the word after its last ':'.
	if [[ -n $split && $cur == *:* && $COMP_WORDBREAKS == *:* ]]; then
		local prefix=${cur%"${cur##*:}"}
		for i in "${!replies[@]}"; do
			replies[i]=${replies[i]#"$prefix"}
		done
	fi
	COMPREPLY=("${replies[@]}")
}

complete -F _gpuvfio gpuvfio

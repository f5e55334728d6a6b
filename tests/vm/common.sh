# Shared settings and helpers for tests/vm/prepare, run and libvirt-check (sourced, not run).
#
# Everything the VM test downloads or builds lives under $UMDEV_VM_CACHE, never in the git tree:
#   sid-root/             Debian sid made by debootstrap, with qemu-system-x86 (the vfio-user client)
#   guest/KVER/vmlinuz    Debian 12's kernel, unchanged
#   guest/KVER/base.cpio.gz  busybox-static and the kernel modules the guest loads
#   guest/KVER/mdpy-fb.cpio.gz  the kernel sample's mdpy-fb.ko, built for KVER by prepare
#   guest/kernel-version  which KVER the cache holds
#   mdevctl-sid/          sid's mdevctl package unpacked (usr/bin/mdevctl), run by tests/vm/mdevctl-sid
# Delete the cache directory to start again from nothing (a "cold" run).

UMDEV_VM_CACHE=${UMDEV_VM_CACHE:-/var/cache/umdev-vm}
SID_ROOT=$UMDEV_VM_CACHE/sid-root
GUEST_DIR=$UMDEV_VM_CACHE/guest
MDEVCTL_SID_DIR=$UMDEV_VM_CACHE/mdevctl-sid
VM_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

# Modules the guest loads at boot, by name; their dependencies come along (modules.dep).
# bochs drives the display of umdev's mbochs parent. The serial driver for mtty (8250_pci) is
# built into Debian's kernel, so it needs no module.
GUEST_MODULES=${GUEST_MODULES:-bochs}

log() { printf 'umdev-vm: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

# The guest's initramfs, written to OUT/initrd.cpio.gz: the cached base and mdpy-fb.ko of kernel
# directory KDIR, then this tree's /init (tests/vm/guest/init) and each PROGRAM (as /bin/NAME) as
# a third archive (the kernel unpacks concatenated archives in order, so no rebuild of the base is
# needed when the checks change). OUT/overlay holds the third archive's files.
#   guest_initrd OUT KDIR [PROGRAM]...
guest_initrd() {
	local out=$1 kdir=$2 stage=$1/overlay f
	shift 2
	rm -rf "$stage"
	mkdir -p "$stage"
	install -m 755 "$VM_DIR/guest/init" "$stage/init"
	for f in "$@"; do
		install -D -m 755 "$f" "$stage/bin/$(basename "$f")"
	done
	{
		cat "$kdir/base.cpio.gz" "$kdir/mdpy-fb.cpio.gz"
		(cd "$stage" && find . -type f -printf '%P\n' | cpio -o -H newc -R 0:0 --quiet) | gzip -9
	} >"$out/initrd.cpio.gz"
}

# Run a command inside the sid root, in a private mount namespace: /dev and /proc are mounted
# there for QEMU and apt, and each --bind DIR appears inside the root at the same path as on the
# host, so socket and image paths on QEMU's command line read the same inside and out. The mounts
# vanish with the namespace when the command exits, however it exits; the directories made in the
# root to mount on are removed afterwards, so the cached root does not collect them.
#   in_sid_root [--bind DIR]... -- COMMAND [ARG]...
in_sid_root() {
	local binds=() made=() d top status=0
	while [ "$1" = --bind ]; do
		binds+=("$2")
		shift 2
	done
	[ "$1" = -- ] && shift
	for d in "${binds[@]}"; do
		top=
		while [ ! -e "$SID_ROOT$d" ]; do
			top=$d
			d=$(dirname "$d")
		done
		[ -n "$top" ] && made+=("$SID_ROOT$top")
	done
	unshare --mount --propagation private -- bash -c '
		set -e
		root=$1 nbinds=$2
		shift 2
		mount --rbind /dev "$root/dev"
		mount -t proc proc "$root/proc"
		while [ "$nbinds" -gt 0 ]; do
			mkdir -p "$root$1"
			mount --bind "$1" "$root$1"
			shift
			nbinds=$((nbinds - 1))
		done
		exec chroot "$root" "$@"
	' bash "$SID_ROOT" "${#binds[@]}" "${binds[@]}" "$@" || status=$?
	for d in "${made[@]}"; do
		find "$d" -depth -type d -empty -delete 2>/dev/null || true
	done
	return $status
}

# The Debian mirror this machine's apt uses for its own release, read from apt's own sources only
# (deb822 stanzas in sources.list.d/*.sources, one-line entries in sources.list and
# sources.list.d/*.list), so that debootstrap fetches sid from the same place. Fails when apt has
# no enabled "deb" source for this release.
debian_mirror() {
	local codename f uri=
	codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
	[ -n "$codename" ] || die "no VERSION_CODENAME in /etc/os-release"
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] || continue
		uri=$(awk -v want="$codename" '
			function stanza_end() {
				if (deb && suite && enabled && uri != "" && !found) { print uri; found = 1 }
				deb = suite = 0; enabled = 1; uri = ""
			}
			BEGIN { enabled = 1 }
			/^[ \t]*#/ { next }
			/^[ \t]*$/ { stanza_end(); next }
			tolower($1) == "types:" { for (i = 2; i <= NF; i++) if ($i == "deb") deb = 1 }
			tolower($1) == "uris:" { uri = $2 }
			tolower($1) == "suites:" { for (i = 2; i <= NF; i++) if ($i == want) suite = 1 }
			tolower($1) == "enabled:" { enabled = tolower($2) != "no" }
			END { stanza_end() }' "$f" | head -n1)
		[ -n "$uri" ] && break
	done
	if [ -z "$uri" ]; then
		uri=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
			awk -v want="$codename" '$1 == "deb" {
				sub(/\[[^]]*\][ \t]*/, "")   # drop "[signed-by=...]" options
				if ($3 == want) { print $2; exit }
			}')
	fi
	[ -n "$uri" ] || die "apt has no enabled deb source for $codename (/etc/apt/sources.list, " \
		"/etc/apt/sources.list.d/*.list or *.sources): debootstrap needs its mirror"
	echo "$uri"
}

// SPDX-License-Identifier: MIT
/*
 * umdev-lspci: what a VM would see of a vfio-user device.
 *
 *   umdev-lspci SOCKET
 *
 * Connects like a VMM, prints the negotiated capabilities, the device's
 * regions and IRQs, then reads its config space and decodes it in the
 * style of `lspci -vv`. Read-only: it maps nothing, enables nothing and
 * writes nothing to the device.
 */
#include <errno.h>
#include <endian.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <umdev/pci.h>
#include <umdev/vfio_user_client.h>

static const char *const region_names[] = { "BAR0", "BAR1", "BAR2", "BAR3", "BAR4",
					    "BAR5", "ROM",  "config", "VGA" };
static const char *const irq_names[] = { "INTx", "MSI", "MSI-X", "ERR", "REQ" };

static const char *class_name(uint8_t base, uint8_t sub)
{
	static const struct {
		uint8_t base, sub;
		const char *name;
	} classes[] = {
		{ 0x01, 0x08, "Non-Volatile memory controller" },
		{ 0x01, 0x00, "SCSI storage controller" },
		{ 0x02, 0x00, "Ethernet controller" },
		{ 0x03, 0x00, "VGA compatible controller" },
		{ 0x03, 0x80, "Display controller" },
		{ 0x04, 0x01, "Multimedia audio controller" },
		{ 0x07, 0x00, "Serial controller" },
		{ 0x07, 0x80, "Communication controller" },
		{ 0x08, 0x80, "System peripheral" },
		{ 0x0c, 0x03, "USB controller" },
	};

	for (size_t i = 0; i < sizeof(classes) / sizeof(classes[0]); i++)
		if (classes[i].base == base && classes[i].sub == sub)
			return classes[i].name;
	return "Unclassified device";
}

static const char *flag(unsigned int set)
{
	return set ? "+" : "-";
}

static uint16_t get16(const uint8_t *cfg, unsigned int off)
{
	return (uint16_t)(cfg[off] | cfg[off + 1] << 8);
}

static uint32_t get32(const uint8_t *cfg, unsigned int off)
{
	return get16(cfg, off) | (uint32_t)get16(cfg, off + 2) << 16;
}

static void print_header(const uint8_t *cfg, const struct umdev_vu_region_info *regions,
			 unsigned int nr_regions)
{
	uint16_t cmd = get16(cfg, 4), status = get16(cfg, 6);

	printf("%s [%02x%02x]: Device %04x:%04x (rev %02x) (prog-if %02x)\n",
	       class_name(cfg[0x0b], cfg[0x0a]), cfg[0x0b], cfg[0x0a], get16(cfg, 0), get16(cfg, 2),
	       cfg[0x08], cfg[0x09]);
	printf("\tSubsystem: Device %04x:%04x\n", get16(cfg, 0x2c), get16(cfg, 0x2e));
	printf("\tControl: I/O%s Mem%s BusMaster%s SpecCycle%s MemWINV%s VGASnoop%s ParErr%s "
	       "Stepping%s SERR%s FastB2B%s DisINTx%s\n",
	       flag(cmd & 0x1), flag(cmd & 0x2), flag(cmd & 0x4), flag(cmd & 0x8), flag(cmd & 0x10),
	       flag(cmd & 0x20), flag(cmd & 0x40), flag(cmd & 0x80), flag(cmd & 0x100),
	       flag(cmd & 0x200), flag(cmd & 0x400));
	printf("\tStatus: Cap%s 66MHz%s UDF%s FastB2B%s ParErr%s DEVSEL=%s >TAbort%s <TAbort%s "
	       "<MAbort%s >SERR%s <PERR%s INTx%s\n",
	       flag(status & 0x10), flag(status & 0x20), flag(status & 0x40), flag(status & 0x80),
	       flag(status & 0x100),
	       ((status >> 9) & 3) == 0 ? "fast" : ((status >> 9) & 3) == 1 ? "medium" : "slow",
	       flag(status & 0x800), flag(status & 0x1000), flag(status & 0x2000),
	       flag(status & 0x4000), flag(status & 0x8000), flag(status & 0x8));
	if (cfg[0x3d])
		printf("\tInterrupt: pin %c routed to IRQ %u\n", 'A' + cfg[0x3d] - 1, cfg[0x3c]);

	for (unsigned int bar = 0; bar < 6; bar++) {
		uint32_t low = get32(cfg, 0x10 + 4 * bar);
		uint64_t size = bar < nr_regions ? regions[bar].size : 0;

		if (!size)
			continue;
		if (low & 1) {
			printf("\tRegion %u: I/O ports at %04x [size=%" PRIu64 "]\n", bar, low & ~3u,
			       size);
			continue;
		}
		uint64_t addr = low & ~0xfull;
		bool is64 = (low & 6) == 4;

		if (is64 && bar < 5)
			addr |= (uint64_t)get32(cfg, 0x14 + 4 * bar) << 32;
		printf("\tRegion %u: Memory at %0*" PRIx64 " (%s-bit, %sprefetchable) [size=", bar,
		       is64 ? 16 : 8, addr, is64 ? "64" : "32", (low & 8) ? "" : "non-");
		if (size >= 1024 * 1024 && !(size % (1024 * 1024)))
			printf("%" PRIu64 "M]\n", size >> 20);
		else if (size >= 1024 && !(size % 1024))
			printf("%" PRIu64 "K]\n", size >> 10);
		else
			printf("%" PRIu64 "]\n", size);
		if (is64)
			bar++;
	}
}

static void print_msi(const uint8_t *cfg, unsigned int at)
{
	uint16_t ctl = get16(cfg, at + 2);
	bool is64 = ctl & 0x80;

	printf("\tCapabilities: [%02x] MSI: Enable%s Count=%u/%u Maskable%s 64bit%s\n", at,
	       flag(ctl & 1), 1u << ((ctl >> 4) & 7), 1u << ((ctl >> 1) & 7), flag(ctl & 0x100),
	       flag(is64));
	if (is64)
		printf("\t\tAddress: %08x%08x  Data: %04x\n", get32(cfg, at + 8), get32(cfg, at + 4),
		       get16(cfg, at + 12));
	else
		printf("\t\tAddress: %08x  Data: %04x\n", get32(cfg, at + 4), get16(cfg, at + 8));
}

static void print_caps(const uint8_t *cfg)
{
	unsigned int at = cfg[0x34] & ~3u, seen = 0;

	if (!(get16(cfg, 6) & 0x10))
		return;
	while (at >= 0x40 && at < 0x100 && seen++ < 48) {
		uint8_t id = cfg[at];

		switch (id) {
		case UMDEV_PCI_CAP_ID_PM: {
			uint16_t pmc = get16(cfg, at + 2), pmcsr = get16(cfg, at + 4);

			printf("\tCapabilities: [%02x] Power Management version %u\n", at, pmc & 7);
			printf("\t\tFlags: PMEClk%s DSI%s D1%s D2%s AuxCurrent=0mA "
			       "PME(D0-,D1-,D2-,D3hot-,D3cold-)\n",
			       flag(pmc & 8), flag(pmc & 0x20), flag(pmc & 0x200), flag(pmc & 0x400));
			printf("\t\tStatus: D%u NoSoftRst%s PME-Enable%s\n", pmcsr & 3,
			       flag(pmcsr & 8), flag(pmcsr & 0x100));
			break;
		}
		case UMDEV_PCI_CAP_ID_MSI:
			print_msi(cfg, at);
			break;
		case UMDEV_PCI_CAP_ID_MSIX: {
			uint16_t ctl = get16(cfg, at + 2);
			uint32_t table = get32(cfg, at + 4), pba = get32(cfg, at + 8);

			printf("\tCapabilities: [%02x] MSI-X: Enable%s Count=%u Masked%s\n", at,
			       flag(ctl & 0x8000), (ctl & 0x7ff) + 1, flag(ctl & 0x4000));
			printf("\t\tVector table: BAR=%u offset=%08x\n", table & 7, table & ~7u);
			printf("\t\tPBA: BAR=%u offset=%08x\n", pba & 7, pba & ~7u);
			break;
		}
		case UMDEV_PCI_CAP_ID_EXP: {
			static const char *const types[] = {
				"Endpoint", "Legacy Endpoint", "", "", "Root Port",
				"Upstream Port", "Downstream Port", "PCI-Express to PCI/PCI-X Bridge",
				"", "Root Complex Integrated Endpoint", "Root Complex Event Collector",
			};
			uint16_t flags = get16(cfg, at + 2);
			unsigned int type = (flags >> 4) & 0xf;
			uint32_t lnkcap = get32(cfg, at + 12);
			uint16_t lnksta = get16(cfg, at + 18);

			printf("\tCapabilities: [%02x] Express (v%u) %s\n", at, flags & 0xf,
			       type < sizeof(types) / sizeof(types[0]) ? types[type] : "Unknown");
			printf("\t\tDevCap:\tMaxPayload %u bytes, FLReset%s\n",
			       128u << (get32(cfg, at + 4) & 7), flag(get32(cfg, at + 4) & 0x10000000));
			printf("\t\tDevCtl:\tMaxPayload %u bytes, MaxReadReq %u bytes\n",
			       128u << ((get16(cfg, at + 8) >> 5) & 7),
			       128u << ((get16(cfg, at + 8) >> 12) & 7));
			printf("\t\tLnkCap:\tSpeed %sGT/s, Width x%u\n",
			       (lnkcap & 0xf) == 1 ? "2.5" : (lnkcap & 0xf) == 2 ? "5" : "8+",
			       (lnkcap >> 4) & 0x3f);
			printf("\t\tLnkSta:\tSpeed %sGT/s, Width x%u\n",
			       (lnksta & 0xf) == 1 ? "2.5" : (lnksta & 0xf) == 2 ? "5" : "8+",
			       (lnksta >> 4) & 0x3f);
			break;
		}
		default:
			printf("\tCapabilities: [%02x] Capability ID %02x\n", at, id);
		}
		at = cfg[at + 1] & ~3u;
	}
}

static void print_region(const struct umdev_vu_region_info *r)
{
	const char *name = r->index < 9 ? region_names[r->index] : "device-specific";

	printf("\t%u %-7s size %#" PRIx64 "%s%s%s", r->index, name, r->size,
	       (r->flags & VFIO_USER_REGION_F_READ) ? " read" : "",
	       (r->flags & VFIO_USER_REGION_F_WRITE) ? " write" : "",
	       (r->flags & VFIO_USER_REGION_F_MMAP) ? " mmap" : "");
	if (r->flags & VFIO_USER_REGION_F_MMAP)
		printf(" (fd offset %#" PRIx64 ")", r->offset);
	for (unsigned int i = 0; i < r->nr_areas; i++)
		printf("%s%#" PRIx64 "-%#" PRIx64, i ? ", " : " sparse ", r->areas[i].offset,
		       r->areas[i].offset + r->areas[i].size - 1);
	printf("\n");
}

/*
 * A bochs display (QEMU stdvga, umdev's mbochs): its DISPI registers and EDID in BAR2, as the
 * guest's bochs DRM driver reads them. Reading them changes nothing.
 */
static void print_bochs(struct umdev_vu_client *c)
{
	static const char *const names[] = { "id", "xres", "yres", "bpp", "enable", "bank",
					     "virt_width", "virt_height", "x_offset", "y_offset",
					     "video_memory_64k" };
	uint16_t r[11];
	uint32_t order = 0;
	uint8_t edid[128];

	if (umdev_vu_region_read(c, 2, 0x500, r, sizeof(r)) != (ssize_t)sizeof(r) ||
	    umdev_vu_region_read(c, 2, 0x604, &order, 4) != 4 ||
	    umdev_vu_region_read(c, 2, 0, edid, sizeof(edid)) != (ssize_t)sizeof(edid))
		return;
	printf("Bochs display (DISPI registers in BAR2 at 0x500):\n\t");
	for (unsigned int i = 0; i < 11; i++)
		printf("%s=%#x%s", names[i], le16toh(r[i]), i == 10 ? "\n" : i == 5 ? "\n\t" : " ");
	printf("\tVideo memory: %u KB; display %s, %ux%u at %u bpp, byte order %s\n",
	       le16toh(r[10]) * 64, (le16toh(r[4]) & 1) ? "enabled" : "disabled", le16toh(r[1]),
	       le16toh(r[2]), le16toh(r[3]),
	       le32toh(order) == 0xbebebebe ? "big endian" : "little endian");
	if (!memcmp(edid, "\x00\xff\xff\xff\xff\xff\xff\x00", 8)) {
		char name[14] = "";

		for (unsigned int d = 54; d < 126; d += 18)
			if (!edid[d] && !edid[d + 1] && edid[d + 3] == 0xfc)
				sscanf((const char *)edid + d + 5, "%13[^\n]", name);
		printf("\tEDID %u.%u (BAR2 at 0x000): preferred mode %ux%u, monitor \"%s\"\n",
		       edid[18], edid[19], edid[56] | (edid[58] >> 4) << 8,
		       edid[59] | (edid[61] >> 4) << 8, name);
	}
}

/* An mdpy display (the kernel sample's): its framebuffer description in config space. */
static void print_mdpy(const uint8_t *cfg)
{
	uint32_t format = get32(cfg, 0x44);
	char fourcc[5] = "????";

	for (unsigned int i = 0; i < 4; i++) {
		char c = (char)(format >> 8 * i);

		if (c >= 0x20 && c < 0x7f)
			fourcc[i] = c;
	}
	printf("Mdpy display (vendor capability at 0x40):\n");
	printf("\tFramebuffer: format %#010x (%s), %ux%u, in BAR0\n", format, fourcc,
	       get32(cfg, 0x48), get32(cfg, 0x4c));
}

int main(int argc, char **argv)
{
	struct umdev_vu_region_info regions[100];
	struct umdev_vu_device_info info;
	struct umdev_vu_client *c;
	uint8_t cfg[UMDEV_PCIE_CONFIG_SIZE] = { 0 };
	int ret;

	if (argc != 2 || argv[1][0] == '-') {
		fprintf(stderr, "usage: %s SOCKET\n"
				"Show what a VM sees of the vfio-user device at SOCKET.\n",
			argv[0]);
		return argc == 2 && !strcmp(argv[1], "--help") ? 0 : 2;
	}
	ret = umdev_vu_connect(argv[1], true, &c);
	if (ret) {
		fprintf(stderr, "%s: %s: %s\n", argv[0], argv[1], strerror(-ret));
		return 1;
	}
	ret = umdev_vu_device_info(c, &info);
	if (ret) {
		fprintf(stderr, "%s: DEVICE_GET_INFO: %s\n", argv[0], strerror(-ret));
		umdev_vu_close(c);
		return 1;
	}
	printf("vfio-user device %s\n", argv[1]);
	printf("\tServer: %s\n", umdev_vu_server_caps(c));
	printf("\tDevice: %s, reset %s, %u regions, %u IRQs\n",
	       (info.flags & VFIO_USER_DEVICE_F_PCI) ? "PCI" : "not PCI",
	       (info.flags & VFIO_USER_DEVICE_F_RESET) ? "supported" : "unsupported",
	       info.num_regions, info.num_irqs);

	if (info.num_regions > 100)
		info.num_regions = 100;
	printf("Regions:\n");
	for (uint32_t i = 0; i < info.num_regions; i++) {
		ret = umdev_vu_region_info(c, i, &regions[i]);
		if (ret) {
			printf("\t%u error: %s\n", i, strerror(-ret));
			memset(&regions[i], 0, sizeof(regions[i]));
			continue;
		}
		if (regions[i].fd >= 0)
			close(regions[i].fd);
		if (regions[i].size)
			print_region(&regions[i]);
	}
	printf("IRQs:\n");
	for (uint32_t i = 0; i < info.num_irqs; i++) {
		struct umdev_vu_irq_info irq;

		if (umdev_vu_irq_info(c, i, &irq) || !irq.count)
			continue;
		printf("\t%u %-5s count %u%s%s%s%s\n", i, i < 5 ? irq_names[i] : "other", irq.count,
		       (irq.flags & VFIO_USER_IRQ_INFO_F_EVENTFD) ? " eventfd" : "",
		       (irq.flags & VFIO_USER_IRQ_INFO_F_MASKABLE) ? " maskable" : "",
		       (irq.flags & VFIO_USER_IRQ_INFO_F_AUTOMASKED) ? " automasked" : "",
		       (irq.flags & VFIO_USER_IRQ_INFO_F_NORESIZE) ? " noresize" : "");
	}

	if ((info.flags & VFIO_USER_DEVICE_F_PCI) && info.num_regions > 7 && regions[7].size >= 64) {
		uint32_t size = regions[7].size > sizeof(cfg) ? sizeof(cfg) : (uint32_t)regions[7].size;

		ret = (int)umdev_vu_region_read(c, 7, 0, cfg, size);
		if (ret < 64) {
			fprintf(stderr, "%s: reading config space: %s\n", argv[0],
				ret < 0 ? strerror(-ret) : "short read");
			umdev_vu_close(c);
			return 1;
		}
		printf("Config space:\n");
		print_header(cfg, regions, info.num_regions);
		print_caps(cfg);
		if (get16(cfg, 0) == 0x1234 && get16(cfg, 2) == 0x1111 && info.num_regions > 2 &&
		    regions[2].size >= 0x608)
			print_bochs(c);
		if (get16(cfg, 0) == 0x1b36 && get16(cfg, 2) == 0x000f && cfg[0x34] == 0x40 &&
		    cfg[0x40] == 0x09)
			print_mdpy(cfg);
	}
	umdev_vu_close(c);
	return 0;
}

// SPDX-License-Identifier: MIT
/*
 * PCI configuration space: the type 0 header, BAR sizing and masked
 * accesses. A guest write changes only the bits a real function lets it
 * change (wmask) and clears write-1-to-clear bits (w1cmask); everything
 * else reads back as the device model set it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <umdev/pci.h>

uint16_t umdev_pci_get16(const struct umdev_pci_config *cfg, unsigned int offset)
{
	return (uint16_t)(cfg->data[offset] | cfg->data[offset + 1] << 8);
}

uint32_t umdev_pci_get32(const struct umdev_pci_config *cfg, unsigned int offset)
{
	return (uint32_t)umdev_pci_get16(cfg, offset) |
	       (uint32_t)umdev_pci_get16(cfg, offset + 2) << 16;
}

void umdev_pci_set16(struct umdev_pci_config *cfg, unsigned int offset, uint16_t v)
{
	cfg->data[offset] = (uint8_t)v;
	cfg->data[offset + 1] = (uint8_t)(v >> 8);
}

void umdev_pci_set32(struct umdev_pci_config *cfg, unsigned int offset, uint32_t v)
{
	umdev_pci_set16(cfg, offset, (uint16_t)v);
	umdev_pci_set16(cfg, offset + 2, (uint16_t)(v >> 16));
}

static void set_mask16(uint8_t *mask, unsigned int offset, uint16_t v)
{
	mask[offset] = (uint8_t)v;
	mask[offset + 1] = (uint8_t)(v >> 8);
}

static void set_mask32(uint8_t *mask, unsigned int offset, uint32_t v)
{
	set_mask16(mask, offset, (uint16_t)v);
	set_mask16(mask, offset + 2, (uint16_t)(v >> 16));
}

int umdev_pci_config_init(struct umdev_pci_config *cfg, const struct umdev_pci_id *id,
			  bool express, uint8_t intx_pin)
{
	uint8_t *arrays;

	memset(cfg, 0, sizeof(*cfg));
	cfg->size = express ? UMDEV_PCIE_CONFIG_SIZE : UMDEV_PCI_CONFIG_SIZE;
	arrays = cfg->space;
	if (express) {
		cfg->extended = calloc(3, UMDEV_PCIE_CONFIG_SIZE);
		if (!cfg->extended)
			return -ENOMEM;
		arrays = cfg->extended;
	}
	cfg->data = arrays;
	cfg->wmask = arrays + cfg->size;
	cfg->w1cmask = arrays + 2 * cfg->size;
	umdev_pci_set16(cfg, UMDEV_PCI_VENDOR_ID, id->vendor);
	umdev_pci_set16(cfg, UMDEV_PCI_DEVICE_ID, id->device);
	cfg->data[UMDEV_PCI_REVISION_ID] = id->revision;
	cfg->data[UMDEV_PCI_CLASS_PROG] = (uint8_t)id->class_code;
	cfg->data[UMDEV_PCI_CLASS_PROG + 1] = (uint8_t)(id->class_code >> 8);
	cfg->data[UMDEV_PCI_CLASS_PROG + 2] = (uint8_t)(id->class_code >> 16);
	cfg->data[UMDEV_PCI_HEADER_TYPE] = 0;
	umdev_pci_set16(cfg, UMDEV_PCI_SUBSYSTEM_VENDOR_ID, id->subsystem_vendor);
	umdev_pci_set16(cfg, UMDEV_PCI_SUBSYSTEM_ID, id->subsystem);
	cfg->data[UMDEV_PCI_INTERRUPT_PIN] = intx_pin;

	set_mask16(cfg->wmask, UMDEV_PCI_COMMAND,
		   UMDEV_PCI_COMMAND_IO | UMDEV_PCI_COMMAND_MEMORY | UMDEV_PCI_COMMAND_MASTER |
		   (intx_pin ? UMDEV_PCI_COMMAND_INTX_DISABLE : 0));
	/* parity, signalled/received aborts, SERR, detected parity: write 1 to clear */
	set_mask16(cfg->w1cmask, UMDEV_PCI_STATUS, 0xf900);
	cfg->wmask[UMDEV_PCI_INTERRUPT_LINE] = 0xff;
	cfg->next_free = 0x40; /* after the standard header */
	return 0;
}

void umdev_pci_config_fini(struct umdev_pci_config *cfg)
{
	free(cfg->extended);
	cfg->extended = NULL;
	cfg->data = cfg->wmask = cfg->w1cmask = NULL;
}

int umdev_pci_set_bar(struct umdev_pci_config *cfg, unsigned int bar, uint64_t size,
		      enum umdev_pci_bar_type type, bool prefetchable)
{
	unsigned int offset = UMDEV_PCI_BASE_ADDRESS_0 + 4 * bar;
	uint32_t low_bits;

	if (bar > 5 || (type == UMDEV_PCI_BAR_MEM64 && bar == 5))
		return -EINVAL;
	if (!size)
		return 0;
	if (size & (size - 1))
		return -EINVAL;
	switch (type) {
	case UMDEV_PCI_BAR_IO:
		if (size < 4 || size > 256 || prefetchable)
			return -EINVAL;
		low_bits = 0x1;
		break;
	case UMDEV_PCI_BAR_MEM32:
		if (size < 16 || size > (1ull << 31))
			return -EINVAL;
		low_bits = prefetchable ? 0x8 : 0;
		break;
	case UMDEV_PCI_BAR_MEM64:
		if (size < 16)
			return -EINVAL;
		low_bits = 0x4 | (prefetchable ? 0x8 : 0);
		break;
	default:
		return -EINVAL;
	}
	cfg->bar_size[bar] = size;
	umdev_pci_set32(cfg, offset, low_bits);
	/* the address bits above the size are the guest's: sizing reads ~(size - 1) */
	set_mask32(cfg->wmask, offset, (uint32_t)~(size - 1) & ~(uint32_t)(type == UMDEV_PCI_BAR_IO ? 0x3 : 0xf));
	if (type == UMDEV_PCI_BAR_MEM64)
		set_mask32(cfg->wmask, offset + 4, (uint32_t)(~(size - 1) >> 32));
	return 0;
}

uint64_t umdev_pci_bar_address(const struct umdev_pci_config *cfg, unsigned int bar)
{
	unsigned int offset = UMDEV_PCI_BASE_ADDRESS_0 + 4 * bar;
	uint32_t low;

	if (bar > 5)
		return 0;
	low = umdev_pci_get32(cfg, offset);
	if (low & 0x1)
		return low & ~0x3u;
	if ((low & 0x6) == 0x4 && bar < 5)
		return (low & ~0xfull) | (uint64_t)umdev_pci_get32(cfg, offset + 4) << 32;
	return low & ~0xfu;
}

ssize_t umdev_pci_config_read(const struct umdev_pci_config *cfg, uint64_t offset, void *buf,
			      size_t count)
{
	if (offset > cfg->size || count > cfg->size - offset)
		return -EINVAL;
	memcpy(buf, cfg->data + offset, count);
	return (ssize_t)count;
}

ssize_t umdev_pci_config_write(struct umdev_pci_config *cfg, uint64_t offset, const void *buf,
			       size_t count)
{
	const uint8_t *in = buf;

	if (offset > cfg->size || count > cfg->size - offset)
		return -EINVAL;
	for (size_t i = 0; i < count; i++) {
		size_t at = offset + i;
		uint8_t keep = cfg->data[at] & ~cfg->wmask[at];

		cfg->data[at] = (uint8_t)(keep | (in[i] & cfg->wmask[at]));
		cfg->data[at] &= (uint8_t)~(in[i] & cfg->w1cmask[at]);
	}
	return (ssize_t)count;
}

bool umdev_pci_intx_disabled(const struct umdev_pci_config *cfg)
{
	return umdev_pci_get16(cfg, UMDEV_PCI_COMMAND) & UMDEV_PCI_COMMAND_INTX_DISABLE;
}

void umdev_pci_set_intx_status(struct umdev_pci_config *cfg, bool asserted)
{
	uint16_t status = umdev_pci_get16(cfg, UMDEV_PCI_STATUS);

	status = asserted ? status | UMDEV_PCI_STATUS_INTERRUPT
			  : status & ~UMDEV_PCI_STATUS_INTERRUPT;
	umdev_pci_set16(cfg, UMDEV_PCI_STATUS, status);
}

void umdev_pci_config_reset(struct umdev_pci_config *cfg)
{
	/* every writable register powers up as 0 in the registers we emulate */
	for (size_t i = 0; i < cfg->size; i++)
		cfg->data[i] &= (uint8_t)~(cfg->wmask[i] | cfg->w1cmask[i]);
	umdev_pci_set_intx_status(cfg, false);
}

// SPDX-License-Identifier: MIT
/*
 * The capability list: MSI, MSI-X, power management and PCI Express,
 * laid out after the standard header and linked in the order added, with
 * the fields a driver may program writable.
 */
#include <errno.h>

#include <umdev/pci.h>

static void mask16(struct umdev_pci_config *cfg, unsigned int offset, uint16_t v)
{
	cfg->wmask[offset] = (uint8_t)v;
	cfg->wmask[offset + 1] = (uint8_t)(v >> 8);
}

static void mask32(struct umdev_pci_config *cfg, unsigned int offset, uint32_t v)
{
	mask16(cfg, offset, (uint16_t)v);
	mask16(cfg, offset + 2, (uint16_t)(v >> 16));
}

int umdev_pci_add_cap(struct umdev_pci_config *cfg, uint8_t id, size_t len)
{
	unsigned int at = cfg->next_free;

	if (len < 2 || len > UMDEV_PCI_CONFIG_SIZE)
		return -EINVAL;
	if (at < 0x40 || at + len > UMDEV_PCI_CONFIG_SIZE)
		return -ENOSPC;
	cfg->data[at] = id;
	cfg->data[at + 1] = 0; /* the end of the list, until another follows */
	if (cfg->last_cap)
		cfg->data[cfg->last_cap + 1] = (uint8_t)at;
	else
		cfg->data[UMDEV_PCI_CAPABILITY_LIST] = (uint8_t)at;
	cfg->last_cap = (uint8_t)at;
	cfg->next_free = (uint8_t)((at + len + 3) & ~3u);
	if (at + len + 3 >= UMDEV_PCI_CONFIG_SIZE)
		cfg->next_free = 0; /* full */
	umdev_pci_set16(cfg, UMDEV_PCI_STATUS,
			umdev_pci_get16(cfg, UMDEV_PCI_STATUS) | UMDEV_PCI_STATUS_CAP_LIST);
	return (int)at;
}

int umdev_pci_add_msi(struct umdev_pci_config *cfg, unsigned int vectors, bool addr64,
		      bool per_vector_mask)
{
	unsigned int mmc = 0; /* log2 of the vectors, "multiple message capable" */
	size_t len = 10 + (addr64 ? 4 : 0) + (per_vector_mask ? 10 : 0);
	uint16_t control;
	int at;

	if (!vectors || vectors > 32 || (vectors & (vectors - 1)) || cfg->msi)
		return -EINVAL;
	while ((1u << mmc) < vectors)
		mmc++;
	at = umdev_pci_add_cap(cfg, UMDEV_PCI_CAP_ID_MSI, len);
	if (at < 0)
		return at;
	control = (uint16_t)(mmc << 1 | (addr64 ? 0x80 : 0) | (per_vector_mask ? 0x100 : 0));
	umdev_pci_set16(cfg, (unsigned int)at + 2, control);
	/* enable and "multiple message enable" are the guest's */
	mask16(cfg, (unsigned int)at + 2, (uint16_t)(0x1 | (mmc ? 0x70 : 0)));
	mask32(cfg, (unsigned int)at + 4, 0xfffffffc);
	if (addr64) {
		mask32(cfg, (unsigned int)at + 8, 0xffffffff);
		mask16(cfg, (unsigned int)at + 12, 0xffff);
	} else {
		mask16(cfg, (unsigned int)at + 8, 0xffff);
	}
	if (per_vector_mask)
		mask32(cfg, (unsigned int)at + (addr64 ? 16 : 12),
		       vectors == 32 ? 0xffffffff : (1u << vectors) - 1);
	cfg->msi = (uint8_t)at;
	return at;
}

int umdev_pci_add_msix(struct umdev_pci_config *cfg, unsigned int vectors,
		       unsigned int table_bar, uint32_t table_offset, unsigned int pba_bar,
		       uint32_t pba_offset)
{
	int at;

	if (!vectors || vectors > 2048 || table_bar > 5 || pba_bar > 5 || (table_offset & 7) ||
	    (pba_offset & 7) || cfg->msix)
		return -EINVAL;
	/* the table and the PBA must fit the BARs that hold them */
	if (!cfg->bar_size[table_bar] || !cfg->bar_size[pba_bar] ||
	    table_offset + 16ull * vectors > cfg->bar_size[table_bar] ||
	    pba_offset + 8ull * ((vectors + 63) / 64) > cfg->bar_size[pba_bar])
		return -EINVAL;
	at = umdev_pci_add_cap(cfg, UMDEV_PCI_CAP_ID_MSIX, 12);
	if (at < 0)
		return at;
	umdev_pci_set16(cfg, (unsigned int)at + 2, (uint16_t)(vectors - 1));
	mask16(cfg, (unsigned int)at + 2, 0xc000); /* enable, function mask */
	umdev_pci_set32(cfg, (unsigned int)at + 4, table_offset | table_bar);
	umdev_pci_set32(cfg, (unsigned int)at + 8, pba_offset | pba_bar);
	cfg->msix = (uint8_t)at;
	return at;
}

int umdev_pci_add_pm(struct umdev_pci_config *cfg)
{
	int at;

	if (cfg->pm)
		return -EINVAL;
	at = umdev_pci_add_cap(cfg, UMDEV_PCI_CAP_ID_PM, 8);
	if (at < 0)
		return at;
	umdev_pci_set16(cfg, (unsigned int)at + 2, 0x0003); /* version 1.2, D0/D3hot only */
	umdev_pci_set16(cfg, (unsigned int)at + 4, 0x0008); /* no soft reset on D3hot->D0 */
	mask16(cfg, (unsigned int)at + 4, 0x0003);	     /* the power state */
	cfg->pm = (uint8_t)at;
	return at;
}

int umdev_pci_add_pcie(struct umdev_pci_config *cfg)
{
	int at;

	if (cfg->pcie || cfg->size != UMDEV_PCIE_CONFIG_SIZE)
		return -EINVAL;
	at = umdev_pci_add_cap(cfg, UMDEV_PCI_CAP_ID_EXP, 0x3c);
	if (at < 0)
		return at;
	umdev_pci_set16(cfg, (unsigned int)at + 2, 0x0002);	 /* v2, endpoint */
	umdev_pci_set32(cfg, (unsigned int)at + 4, 0x10008000); /* devcap: FLR, RBER; 128B payload */
	/* devctl: error reporting, relaxed ordering, payload/read request sizes */
	mask16(cfg, (unsigned int)at + 8, 0x7cff);
	umdev_pci_set16(cfg, (unsigned int)at + 8, 0x2810);	 /* 512B read request, RO on */
	umdev_pci_set32(cfg, (unsigned int)at + 12, 0x00000011); /* link: 2.5GT/s x1 */
	umdev_pci_set16(cfg, (unsigned int)at + 18, 0x0011);	 /* link up at 2.5GT/s x1 */
	cfg->pcie = (uint8_t)at;
	return at;
}

bool umdev_pci_msi_enabled(const struct umdev_pci_config *cfg)
{
	return cfg->msi && (umdev_pci_get16(cfg, cfg->msi + 2u) & 0x1);
}

bool umdev_pci_msix_enabled(const struct umdev_pci_config *cfg)
{
	return cfg->msix && (umdev_pci_get16(cfg, cfg->msix + 2u) & 0x8000);
}

// SPDX-License-Identifier: MIT
/* The PCI config-space helpers: header, masks, BAR sizing, capabilities. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <umdev/pci.h>

static const struct umdev_pci_id id = {
	.vendor = 0x1af4, .device = 0x1234, .subsystem_vendor = 0x1af4, .subsystem = 0x1100,
	.revision = 0x10, .class_code = 0x070002,
};

static uint32_t rd32(struct umdev_pci_config *cfg, unsigned int off)
{
	uint32_t v;

	assert_int_equal(umdev_pci_config_read(cfg, off, &v, 4), 4);
	return v;
}

static void wr32(struct umdev_pci_config *cfg, unsigned int off, uint32_t v)
{
	assert_int_equal(umdev_pci_config_write(cfg, off, &v, 4), 4);
}

static void test_header(void **state)
{
	struct umdev_pci_config cfg;

	(void)state;
	umdev_pci_config_init(&cfg, &id, false, 1);
	assert_int_equal(cfg.size, 256);
	assert_int_equal(rd32(&cfg, 0), 0x12341af4);
	assert_int_equal(rd32(&cfg, 8), 0x07000210);
	assert_int_equal(rd32(&cfg, 0x2c), 0x11001af4);
	assert_int_equal(cfg.data[UMDEV_PCI_INTERRUPT_PIN], 1);
	/* identity is read-only */
	wr32(&cfg, 0, 0xffffffff);
	assert_int_equal(rd32(&cfg, 0), 0x12341af4);
	/* command: only IO/MEM/MASTER/INTX_DISABLE stick */
	wr32(&cfg, UMDEV_PCI_COMMAND, 0xffff);
	assert_int_equal(umdev_pci_get16(&cfg, UMDEV_PCI_COMMAND), 0x0407);
	assert_true(umdev_pci_intx_disabled(&cfg));
	/* status error bits are write-1-to-clear, the rest read-only */
	umdev_pci_set16(&cfg, UMDEV_PCI_STATUS, 0x8000 | 0x0008);
	uint16_t w = 0x8008;
	umdev_pci_config_write(&cfg, UMDEV_PCI_STATUS, &w, 2);
	assert_int_equal(umdev_pci_get16(&cfg, UMDEV_PCI_STATUS), 0x0008);
	/* bounds */
	uint8_t b[8];
	assert_int_equal(umdev_pci_config_read(&cfg, 254, b, 4), -EINVAL);
	assert_int_equal(umdev_pci_config_write(&cfg, UINT64_MAX - 1, b, 4), -EINVAL);
	assert_int_equal(umdev_pci_config_read(&cfg, 256, b, 1), -EINVAL);
	/* reset restores the writable registers */
	umdev_pci_config_reset(&cfg);
	assert_int_equal(umdev_pci_get16(&cfg, UMDEV_PCI_COMMAND), 0);
	assert_int_equal(umdev_pci_get16(&cfg, UMDEV_PCI_STATUS), 0);
	assert_int_equal(rd32(&cfg, 0), 0x12341af4);
}

static void test_bar_sizing(void **state)
{
	struct umdev_pci_config cfg;

	(void)state;
	umdev_pci_config_init(&cfg, &id, false, 1);
	assert_int_equal(umdev_pci_set_bar(&cfg, 0, 8, UMDEV_PCI_BAR_IO, false), 0);
	assert_int_equal(umdev_pci_set_bar(&cfg, 1, 0x1000, UMDEV_PCI_BAR_MEM32, false), 0);
	assert_int_equal(umdev_pci_set_bar(&cfg, 2, 0x100000000ull, UMDEV_PCI_BAR_MEM64, true), 0);
	assert_int_equal(umdev_pci_set_bar(&cfg, 5, 0x1000, UMDEV_PCI_BAR_MEM64, false), -EINVAL);
	assert_int_equal(umdev_pci_set_bar(&cfg, 4, 0x1800, UMDEV_PCI_BAR_MEM32, false), -EINVAL);
	assert_int_equal(umdev_pci_set_bar(&cfg, 4, 8, UMDEV_PCI_BAR_MEM32, false), -EINVAL);
	assert_int_equal(umdev_pci_set_bar(&cfg, 6, 0x1000, UMDEV_PCI_BAR_MEM32, false), -EINVAL);

	/* the guest's sizing: write all ones, read the size mask and the type bits */
	for (unsigned int bar = 0; bar < 6; bar++)
		wr32(&cfg, 0x10 + 4 * bar, 0xffffffff);
	assert_int_equal(rd32(&cfg, 0x10), 0xfffffff9);
	assert_int_equal(rd32(&cfg, 0x14), 0xfffff000);
	assert_int_equal(rd32(&cfg, 0x18), 0x0000000c);
	assert_int_equal(rd32(&cfg, 0x1c), 0xffffffff);
	assert_int_equal(rd32(&cfg, 0x20), 0); /* unimplemented */
	/* and programming addresses */
	wr32(&cfg, 0x14, 0xfebf1234);
	assert_int_equal(umdev_pci_bar_address(&cfg, 1), 0xfebf1000);
	wr32(&cfg, 0x18, 0);
	wr32(&cfg, 0x1c, 0x2);
	assert_int_equal(umdev_pci_bar_address(&cfg, 2), 0x200000000ull);
	wr32(&cfg, 0x10, 0xc051);
	assert_int_equal(umdev_pci_bar_address(&cfg, 0), 0xc050);
}

static void test_capabilities(void **state)
{
	struct umdev_pci_config cfg;
	int pm, msi, msix, exp;

	(void)state;
	assert_int_equal(umdev_pci_config_init(&cfg, &id, true, 1), 0);
	assert_int_equal(cfg.size, UMDEV_PCIE_CONFIG_SIZE);
	assert_int_equal(umdev_pci_set_bar(&cfg, 1, 0x1000, UMDEV_PCI_BAR_MEM32, false), 0);
	pm = umdev_pci_add_pm(&cfg);
	msi = umdev_pci_add_msi(&cfg, 4, true, true);
	msix = umdev_pci_add_msix(&cfg, 8, 1, 0, 1, 0x800);
	exp = umdev_pci_add_pcie(&cfg);
	assert_int_equal(pm, 0x40);
	assert_true(msi > pm && msix > msi && exp > msix);
	assert_true(umdev_pci_get16(&cfg, UMDEV_PCI_STATUS) & UMDEV_PCI_STATUS_CAP_LIST);

	/* walk the list as a guest does */
	uint8_t ids[4], at = cfg.data[UMDEV_PCI_CAPABILITY_LIST];
	int n = 0;
	while (at && n < 4) {
		ids[n++] = cfg.data[at];
		at = cfg.data[at + 1];
	}
	assert_int_equal(n, 4);
	assert_int_equal(at, 0);
	assert_int_equal(ids[0], UMDEV_PCI_CAP_ID_PM);
	assert_int_equal(ids[1], UMDEV_PCI_CAP_ID_MSI);
	assert_int_equal(ids[2], UMDEV_PCI_CAP_ID_MSIX);
	assert_int_equal(ids[3], UMDEV_PCI_CAP_ID_EXP);

	/* MSI: 4 vectors (MMC 2), 64-bit, maskable; enable and address writable */
	assert_int_equal(umdev_pci_get16(&cfg, (unsigned int)msi + 2), 0x0184);
	assert_false(umdev_pci_msi_enabled(&cfg));
	uint16_t ctl = 0xffff;
	umdev_pci_config_write(&cfg, (unsigned int)msi + 2, &ctl, 2);
	assert_int_equal(umdev_pci_get16(&cfg, (unsigned int)msi + 2), 0x01f5);
	assert_true(umdev_pci_msi_enabled(&cfg));
	wr32(&cfg, (unsigned int)msi + 4, 0xfee00003);
	assert_int_equal(rd32(&cfg, (unsigned int)msi + 4), 0xfee00000);
	wr32(&cfg, (unsigned int)msi + 16, 0xffffffff);
	assert_int_equal(rd32(&cfg, (unsigned int)msi + 16), 0xf);

	/* MSI-X: table size read-only, enable writable; table must fit its BAR */
	assert_int_equal(umdev_pci_get16(&cfg, (unsigned int)msix + 2), 7);
	assert_int_equal(rd32(&cfg, (unsigned int)msix + 8), 0x801);
	ctl = 0xffff;
	umdev_pci_config_write(&cfg, (unsigned int)msix + 2, &ctl, 2);
	assert_int_equal(umdev_pci_get16(&cfg, (unsigned int)msix + 2), 0xc007);
	assert_true(umdev_pci_msix_enabled(&cfg));
	struct umdev_pci_config other;
	umdev_pci_config_init(&other, &id, false, 0);
	umdev_pci_set_bar(&other, 0, 0x100, UMDEV_PCI_BAR_MEM32, false);
	assert_int_equal(umdev_pci_add_msix(&other, 64, 0, 0, 0, 0), -EINVAL);
	assert_int_equal(umdev_pci_add_pcie(&other), -EINVAL); /* not an express function */

	/* PM: only the power state is writable */
	wr32(&cfg, (unsigned int)pm + 4, 0xffffffff);
	assert_int_equal(umdev_pci_get16(&cfg, (unsigned int)pm + 4), 0x000b);

	/* the capability space fills up cleanly */
	int last = 0;
	for (int i = 0; i < 64 && last >= 0; i++)
		last = umdev_pci_add_cap(&cfg, 0x09, 16);
	assert_int_equal(last, -ENOSPC);
	umdev_pci_config_fini(&cfg);
	umdev_pci_config_fini(&other);
}

/* A conventional function keeps its 256 bytes inside the structure: thousands of devices. */
static void test_conventional_is_small(void **state)
{
	struct umdev_pci_config cfg;

	(void)state;
	assert_int_equal(umdev_pci_config_init(&cfg, &id, false, 1), 0);
	assert_null(cfg.extended);
	assert_true(cfg.data >= (uint8_t *)&cfg && cfg.w1cmask + cfg.size <= (uint8_t *)(&cfg + 1));
	assert_true(sizeof(cfg) < 1024);
	umdev_pci_config_fini(&cfg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_header),
		cmocka_unit_test(test_bar_sizing),
		cmocka_unit_test(test_capabilities),
		cmocka_unit_test(test_conventional_is_small),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

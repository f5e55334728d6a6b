// SPDX-License-Identifier: MIT
/*
 * 16550A register emulation for mtty. Written from the 16550 data sheet's
 * register descriptions; Linux's 8250 driver is the guest it must satisfy
 * (it probes the scratch register, the FIFO via IIR bits 7:6, loopback
 * via MCR.LOOP/MSR, and relies on receive timeouts below the trigger
 * level, which are reported at once since transmission here is instant).
 */
#include <string.h>

#include "mtty_uart.h"

static const unsigned int trigger_levels[4] = { 1, 4, 8, 14 };

void mtty_uart_init(struct mtty_uart *uart, void (*tx)(struct mtty_uart *, uint8_t, void *),
		    void *arg)
{
	memset(uart, 0, sizeof(*uart));
	uart->tx = tx;
	uart->arg = arg;
	mtty_uart_reset(uart);
}

static uint8_t modem_lines(const struct mtty_uart *uart)
{
	uint8_t mcr = uart->mcr;

	/* in loop mode the outputs feed the inputs, as the data sheet wires them */
	if (mcr & UART_MCR_LOOP)
		return (uint8_t)(((mcr & UART_MCR_RTS) ? UART_MSR_CTS : 0) |
				 ((mcr & UART_MCR_DTR) ? UART_MSR_DSR : 0) |
				 ((mcr & UART_MCR_OUT1) ? UART_MSR_RI : 0) |
				 ((mcr & UART_MCR_OUT2) ? UART_MSR_DCD : 0));
	/* otherwise the far end is always ready: a connected null-modem cable */
	return UART_MSR_CTS | UART_MSR_DSR | UART_MSR_DCD;
}

/* Recomputes the status lines and their delta bits after a change. */
static void update_msr(struct mtty_uart *uart)
{
	uint8_t old = uart->msr & 0xf0, now = modem_lines(uart);
	uint8_t delta = uart->msr & 0x0f;

	if ((old ^ now) & UART_MSR_CTS)
		delta |= UART_MSR_DCTS;
	if ((old ^ now) & UART_MSR_DSR)
		delta |= UART_MSR_DDSR;
	if ((old & UART_MSR_RI) && !(now & UART_MSR_RI))
		delta |= UART_MSR_TERI; /* trailing edge only */
	if ((old ^ now) & UART_MSR_DCD)
		delta |= UART_MSR_DDCD;
	uart->msr = now | delta;
}

void mtty_uart_reset(struct mtty_uart *uart)
{
	uart->ier = 0;
	uart->lcr = 0;
	uart->mcr = 0;
	uart->scr = 0;
	uart->fcr = 0;
	uart->divisor = 0;
	uart->head = uart->count = 0;
	uart->overrun = false;
	uart->thre_pending = false;
	uart->msr = modem_lines(uart);
}

static bool fifo_enabled(const struct mtty_uart *uart)
{
	return uart->fcr & UART_FCR_ENABLE_FIFO;
}

static unsigned int fifo_room(const struct mtty_uart *uart)
{
	unsigned int depth = fifo_enabled(uart) ? UART_FIFO_SIZE : 1;

	return uart->count < depth ? depth - uart->count : 0;
}

/* Loop mode, and the sample's loopback, cut the receiver off the line. */
static bool line_connected(const struct mtty_uart *uart)
{
	return !uart->loopback && !(uart->mcr & UART_MCR_LOOP);
}

unsigned int mtty_uart_room(const struct mtty_uart *uart)
{
	return line_connected(uart) ? fifo_room(uart) : 0;
}

bool mtty_uart_dtr(const struct mtty_uart *uart)
{
	/* loop mode forces the modem control outputs inactive on the pins */
	return (uart->mcr & (UART_MCR_DTR | UART_MCR_LOOP)) == UART_MCR_DTR;
}

/*
 * A byte reaching the receiver. With no room it is an overrun, as the
 * data sheet has it: in FIFO mode the new byte is lost and the FIFO keeps
 * its bytes; without the FIFO the new byte replaces the unread one.
 */
static bool rx_byte(struct mtty_uart *uart, uint8_t byte)
{
	if (!fifo_room(uart)) {
		uart->overrun = true;
		if (!fifo_enabled(uart))
			uart->fifo[uart->head] = byte;
		return false;
	}
	uart->fifo[(uart->head + uart->count) % UART_FIFO_SIZE] = byte;
	uart->count++;
	return true;
}

bool mtty_uart_receive(struct mtty_uart *uart, uint8_t byte)
{
	if (!line_connected(uart))
		return false; /* the receiver does not see the line */
	return rx_byte(uart, byte);
}

static uint8_t pop(struct mtty_uart *uart)
{
	uint8_t byte;

	if (!uart->count)
		return 0;
	byte = uart->fifo[uart->head];
	uart->head = (uart->head + 1) % UART_FIFO_SIZE;
	uart->count--;
	return byte;
}

static unsigned int trigger(const struct mtty_uart *uart)
{
	return fifo_enabled(uart) ? trigger_levels[uart->fcr >> 6] : 1;
}

/* The highest-priority pending interrupt, as IIR reports it. */
static uint8_t pending_id(const struct mtty_uart *uart)
{
	if ((uart->ier & UART_IER_RLSI) && uart->overrun)
		return UART_IIR_RLSI;
	if ((uart->ier & UART_IER_RDI) && uart->count >= trigger(uart))
		return UART_IIR_RDI;
	if ((uart->ier & UART_IER_RDI) && uart->count)
		return UART_IIR_TIMEOUT;
	if ((uart->ier & UART_IER_THRI) && uart->thre_pending)
		return UART_IIR_THRI;
	if ((uart->ier & UART_IER_MSI) && (uart->msr & 0x0f))
		return UART_IIR_MSI;
	return UART_IIR_NO_INT;
}

bool mtty_uart_irq_pending(const struct mtty_uart *uart)
{
	return pending_id(uart) != UART_IIR_NO_INT;
}

static void transmit(struct mtty_uart *uart, uint8_t byte)
{
	if (!line_connected(uart))
		rx_byte(uart, byte);
	else if (uart->tx)
		uart->tx(uart, byte, uart->arg);
	/* sent at once: the holding register is empty again */
	uart->thre_pending = true;
}

uint8_t mtty_uart_read(struct mtty_uart *uart, unsigned int reg)
{
	bool dlab = uart->lcr & UART_LCR_DLAB;
	uint8_t val;

	switch (reg) {
	case UART_RX:
		return dlab ? (uint8_t)uart->divisor : pop(uart);
	case UART_IER:
		return dlab ? (uint8_t)(uart->divisor >> 8) : uart->ier;
	case UART_IIR:
		val = pending_id(uart);
		if (val == UART_IIR_THRI)
			uart->thre_pending = false; /* reading IIR acknowledges THRE */
		return (uint8_t)(val | (fifo_enabled(uart) ? UART_IIR_FIFO_ENABLED : 0));
	case UART_LCR:
		return uart->lcr;
	case UART_MCR:
		return uart->mcr;
	case UART_LSR:
		val = UART_LSR_THRE | UART_LSR_TEMT | (uart->count ? UART_LSR_DR : 0) |
		      (uart->overrun ? UART_LSR_OE : 0);
		uart->overrun = false; /* cleared by reading */
		return val;
	case UART_MSR:
		val = uart->msr;
		uart->msr &= 0xf0; /* deltas cleared by reading */
		return val;
	case UART_SCR:
		return uart->scr;
	}
	return 0xff;
}

void mtty_uart_write(struct mtty_uart *uart, unsigned int reg, uint8_t val)
{
	bool dlab = uart->lcr & UART_LCR_DLAB;

	switch (reg) {
	case UART_RX:
		if (dlab)
			uart->divisor = (uint16_t)((uart->divisor & 0xff00) | val);
		else
			transmit(uart, val);
		break;
	case UART_IER:
		if (dlab) {
			uart->divisor = (uint16_t)((uart->divisor & 0x00ff) | val << 8);
		} else {
			/* enabling THRI with the holding register empty raises THRE */
			if (!(uart->ier & UART_IER_THRI) && (val & UART_IER_THRI))
				uart->thre_pending = true;
			uart->ier = val & 0x0f;
		}
		break;
	case UART_FCR:
		if ((val ^ uart->fcr) & UART_FCR_ENABLE_FIFO) {
			/* switching FIFO mode empties the FIFOs */
			uart->head = uart->count = 0;
		}
		if (val & UART_FCR_CLEAR_RCVR)
			uart->head = uart->count = 0;
		if (val & UART_FCR_CLEAR_XMIT)
			uart->thre_pending = true;
		uart->fcr = val & 0xc9; /* enable, DMA mode, trigger level */
		break;
	case UART_LCR:
		uart->lcr = val;
		break;
	case UART_MCR:
		uart->mcr = val & 0x1f;
		update_msr(uart);
		break;
	case UART_LSR:
	case UART_MSR:
		break; /* read-only (factory test writes are not emulated) */
	case UART_SCR:
		uart->scr = val;
		break;
	}
}

unsigned int mtty_uart_baud(const struct mtty_uart *uart)
{
	return uart->divisor ? 115200u / uart->divisor : 0;
}

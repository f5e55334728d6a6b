/* SPDX-License-Identifier: MIT */
/*
 * A 16550A UART as the guest's 8250 driver sees it: the eight registers
 * of one port, the divisor latch, 16-byte receive FIFO with trigger
 * levels, and the interrupt identification, line and modem status logic.
 * Transmission is instant; where the bytes go is the caller's business
 * (the @tx callback), and received bytes come in with mtty_uart_receive().
 * No locking here: the caller serialises every call on a port.
 */
#ifndef MTTY_UART_H
#define MTTY_UART_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Register offsets within the port's 8-byte I/O BAR. */
enum {
	UART_RX = 0,  /* read: receive buffer; write: transmit holding */
	UART_IER = 1, /* interrupt enable */
	UART_IIR = 2, /* read: interrupt identification */
	UART_FCR = 2, /* write: FIFO control */
	UART_LCR = 3, /* line control; bit 7 selects the divisor latch */
	UART_MCR = 4, /* modem control */
	UART_LSR = 5, /* line status */
	UART_MSR = 6, /* modem status */
	UART_SCR = 7, /* scratch */
	UART_DLL = 0, /* divisor latch, low and high, while LCR.DLAB */
	UART_DLM = 1,
};

#define UART_IER_RDI 0x01
#define UART_IER_THRI 0x02
#define UART_IER_RLSI 0x04
#define UART_IER_MSI 0x08

#define UART_IIR_NO_INT 0x01
#define UART_IIR_MSI 0x00
#define UART_IIR_THRI 0x02
#define UART_IIR_RDI 0x04
#define UART_IIR_RLSI 0x06
#define UART_IIR_TIMEOUT 0x0c
#define UART_IIR_FIFO_ENABLED 0xc0

#define UART_FCR_ENABLE_FIFO 0x01
#define UART_FCR_CLEAR_RCVR 0x02
#define UART_FCR_CLEAR_XMIT 0x04

#define UART_LCR_DLAB 0x80

#define UART_MCR_DTR 0x01
#define UART_MCR_RTS 0x02
#define UART_MCR_OUT1 0x04
#define UART_MCR_OUT2 0x08
#define UART_MCR_LOOP 0x10

#define UART_LSR_DR 0x01
#define UART_LSR_OE 0x02
#define UART_LSR_THRE 0x20
#define UART_LSR_TEMT 0x40

#define UART_MSR_DCTS 0x01
#define UART_MSR_DDSR 0x02
#define UART_MSR_TERI 0x04
#define UART_MSR_DDCD 0x08
#define UART_MSR_CTS 0x10
#define UART_MSR_DSR 0x20
#define UART_MSR_RI 0x40
#define UART_MSR_DCD 0x80

#define UART_FIFO_SIZE 16

struct mtty_uart {
	uint8_t ier, lcr, mcr, scr, fcr, msr;
	uint16_t divisor;
	uint8_t fifo[UART_FIFO_SIZE];
	unsigned int head, count;
	bool overrun;
	bool thre_pending; /* THR empty and not yet acknowledged through IIR */
	bool loopback;	   /* the device option: transmit into our own receiver */
	/* a transmitted byte leaving the port (not called in loopback) */
	void (*tx)(struct mtty_uart *uart, uint8_t byte, void *arg);
	void *arg;
};

void mtty_uart_init(struct mtty_uart *uart, void (*tx)(struct mtty_uart *, uint8_t, void *),
		    void *arg);
/* Power-on state of the registers; the loopback option and callback stay. */
void mtty_uart_reset(struct mtty_uart *uart);
uint8_t mtty_uart_read(struct mtty_uart *uart, unsigned int reg);
void mtty_uart_write(struct mtty_uart *uart, unsigned int reg, uint8_t val);
/*
 * A byte arriving on the line; false when it did not reach the FIFO: an
 * overrun (reported in LSR.OE as a 16550 does), or the receiver is in loop
 * mode and does not see the line.
 */
bool mtty_uart_receive(struct mtty_uart *uart, uint8_t byte);
/*
 * How many bytes the line may deliver now without overrun: the free FIFO
 * space (one byte of holding with the FIFO off), 0 in loop mode. It grows
 * when the guest reads RBR, clears or switches the FIFO, leaves loop mode,
 * or the port is reset: the caller checks it after every register access.
 */
unsigned int mtty_uart_room(const struct mtty_uart *uart);
/* Whether the far end sees DTR asserted: MCR.DTR, outside loop mode. */
bool mtty_uart_dtr(const struct mtty_uart *uart);
/* Whether the port requests an interrupt now. */
bool mtty_uart_irq_pending(const struct mtty_uart *uart);
/* The baud rate the guest programmed (115200 / divisor), 0 if unset. */
unsigned int mtty_uart_baud(const struct mtty_uart *uart);

#endif /* MTTY_UART_H */

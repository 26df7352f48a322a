# A hostile guest: a raw image (loaded at 0, entered at 0 in real mode, big-endian, 64-bit)
# that does what a Linux user process cannot: floods the console through H_PUT_TERM_CHAR,
# makes hypercalls with 4096 distinct unknown numbers, and storms the first virtio-mmio
# device's registers (QUEUE_NOTIFY with queue numbers the device has and has not, reads and
# writes all over its register page). It prints HOSTILE-START before and, after three seconds
# of quiet (so that the console's rate limit lets it through), HOSTILE-DONE; an interrupt
# it did not expect prints HOSTILE-TRAP-<vector>. The host must stay within its bounds
# throughout (tests/system/cases/guest_control.sh measures them).
# Assembled with as -a64 -mbig; the raw image is the .text section.

	.set H_PUT_TERM_CHAR, 0x58
	.set MMIO_BASE, 0x10000000000   # the first virtio-mmio device (vmm/pseries/layout.h)

	.macro LOAD64 reg, value
	lis	\reg, ((\value) >> 48) & 0xffff
	ori	\reg, \reg, ((\value) >> 32) & 0xffff
	sldi	\reg, \reg, 32
	oris	\reg, \reg, ((\value) >> 16) & 0xffff
	ori	\reg, \reg, (\value) & 0xffff
	.endm

	# Up to 16 characters from r6 and r7 (high bytes first), r5 of them, on vterm 0.
	.macro PUT len, hi, lo
	li	%r3, H_PUT_TERM_CHAR
	li	%r4, 0
	li	%r5, \len
	LOAD64	%r6, \hi
	LOAD64	%r7, \lo
	sc	1
	.endm

	# An interrupt vector: "HOSTILE-TRAP-<ch>\n" (ch: the vector's hex digit), then a halt.
	.macro TRAP vector, ch
	.org	\vector
	PUT	15, 0x484f5354494c452d, 0x545241502d000a00 + (\ch << 16)
	b	.
	.endm

	.text
	.globl	_start
_start:
	b	main

	TRAP	0x100, '1'
	TRAP	0x200, '2'
	TRAP	0x300, '3'
	TRAP	0x400, '4'
	TRAP	0x500, '5'
	TRAP	0x600, '6'
	TRAP	0x700, '7'
	TRAP	0x800, '8'
	TRAP	0x900, '9'
	TRAP	0xa00, 'a'
	TRAP	0xb00, 'b'
	TRAP	0xc00, 'c'
	TRAP	0xd00, 'd'
	TRAP	0xe00, 'e'
	TRAP	0xf00, 'f'

	.org	0x1000
main:
	PUT	14, 0x484f5354494c452d, 0x53544152540a0000    # "HOSTILE-START\n"

	# 1. The console: 4000 hypercalls of 16 characters (64,000 bytes), answers ignored.
	li	%r31, 4000
1:	PUT	16, 0x2121212121212121, 0x212121212121210a
	addi	%r31, %r31, -1
	cmpdi	%r31, 0
	bne	1b

	# 2. 4096 distinct hypercall numbers that do not exist: 0x2000, 0x2004, ...
	li	%r31, 0
1:	sldi	%r3, %r31, 2
	addi	%r3, %r3, 0x2000
	sc	1
	addi	%r31, %r31, 1
	cmpdi	%r31, 4096
	bne	1b

	# 3. The first device's registers: 8000 QUEUE_NOTIFY writes (little-endian, queue i % 8),
	#    then a read and a write of every word of the register page with junk.
	LOAD64	%r8, MMIO_BASE
	li	%r9, 0x50
	li	%r31, 0
1:	andi.	%r10, %r31, 7
	stwbrx	%r10, %r8, %r9
	addi	%r31, %r31, 1
	cmpdi	%r31, 8000
	bne	1b
	li	%r9, 0
	LOAD64	%r10, 0xdeadbeef
1:	cmpdi	%r9, 0x70            # never STATUS: a reset or DRIVER_OK is not junk the test is after
	beq	2f
	lwbrx	%r11, %r8, %r9
	stwbrx	%r10, %r8, %r9
2:	addi	%r9, %r9, 4
	cmpdi	%r9, 0x1000
	bne	1b

	# Three seconds of quiet (the timebase runs at 512 MHz), then the end marker.
	mftb	%r20
	LOAD64	%r21, 1536000000
	add	%r21, %r20, %r21
1:	mftb	%r22
	cmpd	%r22, %r21
	blt	1b
	PUT	13, 0x484f5354494c452d, 0x444f4e450a000000    # "HOSTILE-DONE\n"
	b	.

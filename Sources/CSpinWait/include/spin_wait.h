// The pause a spinning thread takes between checks of a shared flag (x86 PAUSE, a yield hint on Arm):
// it lets the other hardware thread of the core run and keeps the loop from flooding the memory
// pipeline with loads of the same line.
#ifndef SPIN_WAIT_H
#define SPIN_WAIT_H

static inline void spin_wait_pause(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}

#endif

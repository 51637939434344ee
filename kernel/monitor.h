#ifndef KERNEL_MONITOR_H
#define KERNEL_MONITOR_H

/* Reads and runs monitor commands from the console forever. */
void monitor_run(void) __attribute__((noreturn));

#endif

/*
 * Kernel command-line parsing: words separated by spaces, each either
 * `key` or `key=value`; a value may be double-quoted to hold spaces
 * (run="cachebench -n 1000").
 */
#ifndef LIB_CMDLINE_H
#define LIB_CMDLINE_H

#include <stdbool.h>
#include <stddef.h>

/* Whether `key` appears, with or without a value. */
bool cmdline_has(const char *cmdline, const char *key);
/* Copies the value of key=value into buf (NUL-terminated, quotes removed).
 * Returns the value's length, -1 if the key is absent or has no value,
 * -2 if the value does not fit in cap bytes. */
int cmdline_get(const char *cmdline, const char *key, char *buf, size_t cap);

#endif

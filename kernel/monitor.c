/*
 * The kernel monitor: a line-oriented command loop on the console, used
 * until user space has a shell.  Commands come from a table; piped input
 * is read exactly like typed input.
 */
#include "kernel/arch.h"
#include "kernel/console.h"
#include "kernel/cpu.h"
#include "kernel/initrd.h"
#include "kernel/monitor.h"
#include "kernel/param.h"
#include "kernel/pmm.h"
#include "kernel/printk.h"
#include "lib/string.h"

#define LINE_MAX 128

struct command {
	const char *name;
	const char *help;
	void (*run)(const char *args);
};

static void cmd_help(const char *args);

static void cmd_mem(const char *args)
{
	size_t free_frames = pmm_free_frames(), total = pmm_total_frames();

	(void)args;
	printk("%lu of %lu frames free (%lu KiB of %lu KiB)\n", free_frames, total,
	       free_frames * (PAGE_SIZE / 1024), total * (PAGE_SIZE / 1024));
}

static void print_entry(const char *name, size_t size, void *arg)
{
	(void)arg;
	printk("%8lu  %s\n", size, name);
}

static void cmd_ls(const char *args)
{
	(void)args;
	if (!initrd_present()) {
		printk("no initrd loaded\n");
		return;
	}
	initrd_foreach(print_entry, 0);
}

static void cmd_cat(const char *args)
{
	const void *data;
	size_t size;

	if (!*args) {
		printk("usage: cat <file>\n");
		return;
	}
	if (initrd_find(args, &data, &size) < 0) {
		printk("cat: %s: no such file in the initrd\n", args);
		return;
	}
	console_write(data, size);
}

static void cmd_cpus(const char *args)
{
	(void)args;
	printk("cpu  apic  ticks      ipis-in\n");
	for (int i = 0; i < ncpu; i++)
		printk("%3d  %4u  %-9lu  %lu\n", i, cpus[i].apic_id, cpus[i].counters.timer_irqs,
		       cpus[i].counters.ipis_received);
}

static void cmd_poweroff(const char *args)
{
	(void)args;
	printk("powering off\n");
	arch_poweroff(0);
}

static const struct command commands[] = {
	{ "help", "list the commands", cmd_help },
	{ "mem", "show free physical memory", cmd_mem },
	{ "ls", "list the files in the initrd", cmd_ls },
	{ "cat", "print a file from the initrd", cmd_cat },
	{ "cpus", "list the cores: APIC id, timer ticks, IPIs received", cmd_cpus },
	{ "poweroff", "stop the machine (QEMU exits with status 0)", cmd_poweroff },
};

#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static void cmd_help(const char *args)
{
	(void)args;
	for (size_t i = 0; i < NCOMMANDS; i++)
		printk("  %-10s %s\n", commands[i].name, commands[i].help);
}

/* Splits "name args" in place and runs the command. */
static void execute(char *line)
{
	char *args = line;

	while (*args && *args != ' ')
		args++;
	if (*args)
		*args++ = 0;
	while (*args == ' ')
		args++;
	for (size_t i = 0; i < NCOMMANDS; i++) {
		if (strcmp(line, commands[i].name) == 0) {
			commands[i].run(args);
			return;
		}
	}
	printk("unknown command '%s'; try 'help'\n", line);
}

void monitor_run(void)
{
	char line[LINE_MAX];

	printk("Baton kernel monitor. Type 'help' for commands.\n");
	for (;;) {
		char *p = line;

		printk("baton> ");
		console_readline(line, sizeof(line));
		while (*p == ' ')
			p++;
		if (*p)
			execute(p);
	}
}

/*
 * What the browser demo's processes share through memory: the screen
 * page a renderer draws and the browser shows, and a plug-in's box page
 * that renderers copy into their screens.  One definition for browser.c,
 * renderer.c and plugin.c (docs/browser-demo.md).
 */
#ifndef USER_BROWSER_PROTO_H
#define USER_BROWSER_PROTO_H

#include <stdint.h>

#define SCREEN_MAGIC	0x31524353	/* "SCR1" */
#define SCREEN_COLS	76
#define SCREEN_LINES	400

struct screen {
	uint32_t magic;
	uint32_t seq;		/* odd while the renderer writes (a seqlock) */
	uint32_t nlines;	/* lines laid out */
	uint32_t pad;
	char title[64];
	char text[SCREEN_LINES][SCREEN_COLS];	/* not NUL-terminated */
};

#define BOX_MAGIC	0x31584f42	/* "BOX1" */
#define BOX_SLOTS	16
#define BOX_ROWS	3
#define BOX_COLS	40

struct box_slot {
	int32_t owner;		/* pid of the renderer it is drawn for; 0: free */
	int32_t inst;		/* which <plugin> element of that renderer's page */
	uint32_t seq;		/* odd while the plug-in writes */
	uint32_t pad;
	char text[BOX_ROWS][BOX_COLS];
};

#endif

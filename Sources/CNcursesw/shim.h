#ifndef OVERSIGHT_NCURSES_SHIM_H
#define OVERSIGHT_NCURSES_SHIM_H
#define NCURSES_WIDECHAR 1
#define _XOPEN_SOURCE_EXTENDED 1
#include <locale.h>
#include <langinfo.h>
#include <string.h>
#include <stdio.h>
#include <wchar.h>
#include <ncursesw/curses.h>
#include <ncursesw/term.h>

/* Macros Swift cannot import, wrapped as functions. */
static inline int oversight_key_f(int n) { return KEY_F(n); }
static inline attr_t oversight_a_normal(void) { return A_NORMAL; }
static inline attr_t oversight_a_bold(void) { return A_BOLD; }
static inline attr_t oversight_a_reverse(void) { return A_REVERSE; }
static inline attr_t oversight_a_underline(void) { return A_UNDERLINE; }
static inline attr_t oversight_a_dim(void) { return A_DIM; }
static inline int oversight_color_pair(int n) { return COLOR_PAIR(n); }
static inline int oversight_wcwidth(wchar_t c) { return wcwidth(c); }

/* Globals Swift 6 refuses to read (stdin/stdout/stdscr), and terminfo look-ups. */

/* Start curses on the process's stdin/stdout; NULL (instead of exiting) when the terminal
   type is unknown. */
static inline SCREEN *oversight_newterm(void) { return newterm(NULL, stdout, stdin); }
static inline WINDOW *oversight_stdscr(void) { return stdscr; }

/* 1 when the current LC_CTYPE codeset is UTF-8. */
static inline int oversight_codeset_is_utf8(void) {
    const char *cs = nl_langinfo(CODESET);
    return cs != NULL && (strcmp(cs, "UTF-8") == 0 || strcmp(cs, "utf8") == 0);
}

/* A terminfo string capability of the current terminal, or NULL when absent. */
static inline const char *oversight_tigetstr(const char *name) {
    char *s = tigetstr(name);
    if (s == NULL || s == (char *)-1) return NULL;
    return s;
}
#endif

#ifndef OVERSIGHT_NCURSES_SHIM_H
#define OVERSIGHT_NCURSES_SHIM_H
#define NCURSES_WIDECHAR 1
#define _XOPEN_SOURCE_EXTENDED 1
#include <locale.h>
#include <wchar.h>
#include <ncursesw/curses.h>

/* Macros Swift cannot import, wrapped as functions. */
static inline int oversight_key_f(int n) { return KEY_F(n); }
static inline attr_t oversight_a_normal(void) { return A_NORMAL; }
static inline attr_t oversight_a_bold(void) { return A_BOLD; }
static inline attr_t oversight_a_reverse(void) { return A_REVERSE; }
static inline attr_t oversight_a_underline(void) { return A_UNDERLINE; }
static inline attr_t oversight_a_dim(void) { return A_DIM; }
static inline int oversight_color_pair(int n) { return COLOR_PAIR(n); }
static inline int oversight_wcwidth(wchar_t c) { return wcwidth(c); }
#endif

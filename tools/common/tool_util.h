/* Helpers shared by the exonet command-line programs (not part of the library). */
#ifndef EXONET_TOOLS_TOOL_UTIL_H
#define EXONET_TOOLS_TOOL_UTIL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

/* Writes `s` as a JSON string literal (quotes included) to `out`. */
void exo_tool_json_string(FILE *out, const char *s);

/* Parses an unsigned decimal integer in [min, max]; false on anything else. */
bool exo_tool_parse_u64(const char *text, uint64_t min, uint64_t max, uint64_t *out);

/* Parses a decimal number (e.g. a percentage) in [min, max]; false on anything else. */
bool exo_tool_parse_double(const char *text, double min, double max, double *out);

/* The directory holding the running executable (for finding sibling programs). */
const char *exo_tool_self_dir(char *buf, size_t cap);

#endif

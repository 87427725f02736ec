/* exonet: the command-line front end. Dispatches to the subcommand files. */
#include <stdio.h>
#include <string.h>

#include "exonet_commands.h"

static void print_usage(FILE *out) {
  fprintf(out, "usage: exonet COMMAND [ARGS...]\n\ncommands:\n");
  for (size_t i = 0; exo_cli_commands[i]; i++)
    fprintf(out, "  %-10s %s\n", exo_cli_commands[i]->name, exo_cli_commands[i]->summary);
  fprintf(out, "\n`exonet COMMAND --help` describes each command.\n");
}

int main(int argc, char **argv) {
  if (argc < 2) {
    print_usage(stderr);
    return 2;
  }
  if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
      strcmp(argv[1], "help") == 0) {
    print_usage(stdout);
    return 0;
  }
  for (size_t i = 0; exo_cli_commands[i]; i++)
    if (strcmp(argv[1], exo_cli_commands[i]->name) == 0)
      return exo_cli_commands[i]->run(argc - 1, argv + 1);
  fprintf(stderr, "exonet: unknown command '%s' (see `exonet --help`)\n", argv[1]);
  return 2;
}

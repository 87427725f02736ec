/* The `exonet` command: one file per subcommand (tools/exonet/cmd_NAME.c), each
 * defining `const struct exo_cli_command exo_cli_cmd_NAME`. CMake builds the table. */
#ifndef EXONET_TOOLS_CLI_H
#define EXONET_TOOLS_CLI_H

struct exo_cli_command {
  const char *name;
  const char *summary; /* one line, shown by `exonet --help` */
  /* argv[0] is the subcommand name. Returns the process exit status: 0 on success,
   * non-zero after printing a one-line reason to stderr. */
  int (*run)(int argc, char **argv);
};

#endif

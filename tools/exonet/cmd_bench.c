/* `exonet bench NAME [ARGS]` runs the benchmark program build/bin/exonet-bench-NAME
 * that sits beside this executable. Each benchmark is its own program so that it can
 * be run, profiled and pinned (taskset) on its own. */
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "tool_util.h"

static int bench_run(int argc, char **argv) {
  char dir[PATH_MAX];
  if (argc < 2 || strcmp(argv[1], "--help") == 0) {
    FILE *out = argc < 2 ? stderr : stdout;
    fprintf(out, "usage: exonet bench NAME [ARGS...]\n"
                 "runs the benchmark program exonet-bench-NAME from the exonet build;\n"
                 "benchmarks print JSON lines with the figures and their baseline.\n");
    if (exo_tool_self_dir(dir, sizeof dir)) {
      fprintf(out, "installed benchmarks are the exonet-bench-* programs in %s\n", dir);
    }
    return argc < 2 ? 2 : 0;
  }
  if (strchr(argv[1], '/')) {
    fprintf(stderr, "exonet bench: bad benchmark name '%s'\n", argv[1]);
    return 2;
  }
  if (!exo_tool_self_dir(dir, sizeof dir)) {
    fprintf(stderr, "exonet bench: cannot find the exonet executable's folder\n");
    return 1;
  }
  char path[PATH_MAX + 64];
  snprintf(path, sizeof path, "%s/exonet-bench-%s", dir, argv[1]);
  if (access(path, X_OK) != 0) {
    fprintf(stderr, "exonet bench: no benchmark named '%s' (%s not found)\n", argv[1], path);
    return 2;
  }
  argv[1] = path;
  execv(path, argv + 1);
  perror("exonet bench: exec");
  return 1;
}

const struct exo_cli_command exo_cli_cmd_bench = {
    .name = "bench",
    .summary = "run a benchmark (demux, checksum, ...): exonet bench NAME",
    .run = bench_run,
};

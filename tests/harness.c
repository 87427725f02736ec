#include "harness.h"

#include <stdarg.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define EXO_TEST_MAX 1024
#define EXO_TEST_GUARD_SLOTS 4

struct exo_test_entry {
  const char *name;
  exo_test_fn fn;
};

/* Test registration happens in constructors before main; this table is the one
 * place the harness keeps state, and it is private to the test binary. */
static struct exo_test_registry {
  struct exo_test_entry tests[EXO_TEST_MAX];
  int count;
  int current_failures;
  struct {
    uint8_t *map;
    size_t map_len;
  } guard[EXO_TEST_GUARD_SLOTS];
} registry;

void exo_test_register(const char *name, exo_test_fn fn) {
  if (registry.count >= EXO_TEST_MAX) {
    fprintf(stderr, "too many tests\n");
    abort();
  }
  registry.tests[registry.count].name = name;
  registry.tests[registry.count].fn = fn;
  registry.count++;
}

void exo_test_fail(const char *file, int line, const char *fmt, ...) {
  va_list ap;
  fprintf(stderr, "  FAIL %s:%d: ", file, line);
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fputc('\n', stderr);
  registry.current_failures++;
}

int exo_test_failures(void) { return registry.current_failures; }

void exo_test_skip_all(const char *reason) {
  printf("SKIP: %s\n", reason);
  fflush(stdout);
  exit(77);
}

const uint8_t *exo_test_guarded(int slot, const void *data, size_t len) {
  long page = sysconf(_SC_PAGESIZE);
  if (slot < 0 || slot >= EXO_TEST_GUARD_SLOTS) abort();
  if (registry.guard[slot].map) munmap(registry.guard[slot].map, registry.guard[slot].map_len);
  size_t data_pages = (len + (size_t)page - 1) / (size_t)page;
  size_t map_len = (data_pages + 1) * (size_t)page;
  uint8_t *map = mmap(NULL, map_len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (map == MAP_FAILED) abort();
  uint8_t *guard = map + data_pages * (size_t)page;
  if (mprotect(guard, (size_t)page, PROT_NONE) != 0) abort();
  uint8_t *start = guard - len;
  if (len) memcpy(start, data, len);
  registry.guard[slot].map = map;
  registry.guard[slot].map_len = map_len;
  return start;
}

uint8_t *exo_test_read_file(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  struct stat st;
  if (fstat(fileno(f), &st) != 0) {
    fclose(f);
    return NULL;
  }
  uint8_t *buf = malloc((size_t)st.st_size + 1);
  size_t got = buf ? fread(buf, 1, (size_t)st.st_size, f) : 0;
  fclose(f);
  if (!buf || got != (size_t)st.st_size) {
    free(buf);
    return NULL;
  }
  *len = got;
  return buf;
}

const char *exo_test_pcap_dir(void) {
  const char *dir = getenv("EXONET_PCAP_DIR");
  struct stat st;
  if (!dir || stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
    printf("note: capture folder %s is absent; capture cases are skipped\n",
           dir ? dir : "(EXONET_PCAP_DIR unset)");
    return NULL;
  }
  return dir;
}

int main(int argc, char **argv) {
  int passed = 0, failed = 0;
  for (int i = 0; i < registry.count; i++) {
    if (argc > 1) {
      int wanted = 0;
      for (int a = 1; a < argc; a++)
        if (strcmp(argv[a], registry.tests[i].name) == 0) wanted = 1;
      if (!wanted) continue;
    }
    registry.current_failures = 0;
    registry.tests[i].fn();
    if (registry.current_failures) {
      printf("FAIL %s\n", registry.tests[i].name);
      failed++;
    } else {
      printf("ok   %s\n", registry.tests[i].name);
      passed++;
    }
    fflush(stdout);
  }
  for (int s = 0; s < EXO_TEST_GUARD_SLOTS; s++)
    if (registry.guard[s].map) munmap(registry.guard[s].map, registry.guard[s].map_len);
  printf("%d passed, %d failed\n", passed, failed);
  return failed ? 1 : 0;
}

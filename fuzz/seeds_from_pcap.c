/* exonet-fuzz-seeds FILE.pcap DIR: writes each frame of a capture to DIR as one file
 * (named after the capture and the frame number), to seed the fuzzers' corpora. */
#include <pcap/pcap.h>
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: exonet-fuzz-seeds FILE.pcap DIR\n");
    return 2;
  }
  char err[PCAP_ERRBUF_SIZE];
  pcap_t *p = pcap_open_offline(argv[1], err);
  if (!p) {
    fprintf(stderr, "exonet-fuzz-seeds: %s\n", err);
    return 1;
  }
  if (pcap_datalink(p) != DLT_EN10MB) {
    pcap_close(p);
    return 0;
  }
  const char *base = strrchr(argv[1], '/');
  base = base ? base + 1 : argv[1];
  struct pcap_pkthdr *h;
  const unsigned char *data;
  unsigned n = 0;
  while (pcap_next_ex(p, &h, &data) == 1) {
    char path[4096];
    snprintf(path, sizeof path, "%s/%s-%u", argv[2], base, ++n);
    FILE *f = fopen(path, "wb");
    if (!f) continue;
    fwrite(data, 1, h->caplen, f);
    fclose(f);
  }
  pcap_close(p);
  return 0;
}

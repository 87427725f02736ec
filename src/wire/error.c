/* Names for enum exo_wire_error. Invariant: every code has its own non-empty string, and
 * an unknown code still yields a string (never NULL), so callers can print any int. */
#include "exonet/wire/types.h"

const char *exo_wire_strerror(int error) {
  switch (error) {
    case EXO_WIRE_OK: return "success";
    case EXO_WIRE_ETRUNCATED: return "truncated";
    case EXO_WIRE_EVERSION: return "bad IP version";
    case EXO_WIRE_EHDRLEN: return "bad header length";
    case EXO_WIRE_ETOTLEN: return "bad total length";
    case EXO_WIRE_EBADOPT: return "malformed option";
    case EXO_WIRE_EHWTYPE: return "unsupported hardware or protocol type";
    case EXO_WIRE_EBADFIELD: return "forbidden field value";
    case EXO_WIRE_ENOSPC: return "output buffer too small";
    case EXO_WIRE_EMAGIC: return "DHCP magic cookie missing";
    case EXO_WIRE_ETOOMANYTAGS: return "too many VLAN tags";
    case EXO_WIRE_EFRAGMENT: return "not the first fragment";
    default: return "unknown wire error";
  }
}

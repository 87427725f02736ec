/* The wire layer: checked views and reprs for every format exonet speaks. */
#ifndef EXONET_WIRE_H
#define EXONET_WIRE_H

#include "exonet/wire/types.h"
#include "exonet/wire/checksum.h"
#include "exonet/wire/ethernet.h"
#include "exonet/wire/arp.h"
#include "exonet/wire/ipv4.h"
#include "exonet/wire/icmp.h"
#include "exonet/wire/udp.h"
#include "exonet/wire/tcp.h"
#include "exonet/wire/dhcp.h"

#endif

/* The core's error numbers are the host's errno values (also checked at compile time). */
#include <errno.h>

#include "exonet/errno.h"
#include "harness.h"

EXO_TEST(errno_values_match_host) {
  EXO_CHECK_EQ(EXO_EAGAIN, EAGAIN);
  EXO_CHECK_EQ(EXO_ECONNREFUSED, ECONNREFUSED);
  EXO_CHECK_EQ(EXO_EINPROGRESS, EINPROGRESS);
}

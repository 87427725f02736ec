/* Error codes of the core: negative errno values with Linux's numbers, defined here
 * because the freestanding core has no <errno.h>. The sockets layer negates them into
 * errno; src/base/errno_check.c checks they equal the host's values. */
#ifndef EXONET_ERRNO_H
#define EXONET_ERRNO_H

#define EXO_EPERM 1
#define EXO_ENOENT 2
#define EXO_EINTR 4
#define EXO_EIO 5
#define EXO_EBADF 9
#define EXO_EAGAIN 11
#define EXO_ENOMEM 12
#define EXO_EACCES 13
#define EXO_EFAULT 14
#define EXO_EBUSY 16
#define EXO_EEXIST 17
#define EXO_EINVAL 22
#define EXO_EMFILE 24
#define EXO_ENOSPC 28
#define EXO_EPIPE 32
#define EXO_ERANGE 34
#define EXO_ENOSYS 38
#define EXO_EPROTO 71
#define EXO_ENOTSOCK 88
#define EXO_EDESTADDRREQ 89
#define EXO_EMSGSIZE 90
#define EXO_EPROTOTYPE 91
#define EXO_ENOPROTOOPT 92
#define EXO_EPROTONOSUPPORT 93
#define EXO_EOPNOTSUPP 95
#define EXO_EAFNOSUPPORT 97
#define EXO_EADDRINUSE 98
#define EXO_EADDRNOTAVAIL 99
#define EXO_ENETDOWN 100
#define EXO_ENETUNREACH 101
#define EXO_ECONNABORTED 103
#define EXO_ECONNRESET 104
#define EXO_ENOBUFS 105
#define EXO_EISCONN 106
#define EXO_ENOTCONN 107
#define EXO_ETIMEDOUT 110
#define EXO_ECONNREFUSED 111
#define EXO_EHOSTUNREACH 113
#define EXO_EALREADY 114
#define EXO_EINPROGRESS 115

#endif

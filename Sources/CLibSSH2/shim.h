#ifndef DEPLOYCTL_CLIBSSH2_SHIM_H
#define DEPLOYCTL_CLIBSSH2_SHIM_H

#include <libssh2.h>
#include <libssh2_sftp.h>

/* Function-like and composite macros that Swift cannot import. */
static inline unsigned int deployctl_channel_window_default(void) { return LIBSSH2_CHANNEL_WINDOW_DEFAULT; }
static inline unsigned int deployctl_channel_packet_default(void) { return LIBSSH2_CHANNEL_PACKET_DEFAULT; }
static inline int deployctl_stderr_stream_id(void) { return SSH_EXTENDED_DATA_STDERR; }

#endif

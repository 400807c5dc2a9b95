/*
 * sendmsg.c - works around a bug of nng 1.5.2 that lets any peer stop the
 * server from accepting connections, for good.
 *
 * When nng's ipc or tcp listener has accepted a connection, it writes the
 * SP header to the peer. If the peer has already hung up, that write fails
 * with EPIPE, which nng turns into NNG_ECLOSED, and nng passes the error of
 * this one connection to the listener's own accept. The listener reads
 * NNG_ECLOSED as "I was closed" and never accepts again: the connections
 * that come later are still negotiated, then left unread, so their calls
 * never arrive, and when their peers go their hang-ups spin nng's poller
 * thread at 100 % CPU. A client that connects and closes at once, a port
 * scanner or a health probe, is enough; on ipc:// twenty such connections
 * did it every time (tests/integration/connect_test.c).
 *
 * NNG_ECONNRESET is what nng expects from a peer that went away: the
 * listener counts it and goes on accepting. So this process's sendmsg,
 * which the executable's definition provides to libnng in place of libc's,
 * reports EPIPE as ECONNRESET. Both mean the connection is dead and nng
 * closes the pipe either way, so nothing else changes; nng is the only
 * caller of sendmsg here (LMDB writes with pwrite, the log with write).
 *
 * Linked into the hues-server executable only: a library (the client SDK)
 * must not replace a libc function of the application that links it.
 */
#include <errno.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

ssize_t
sendmsg(int fd, const struct msghdr *msg, int flags)
{
	long n = syscall(SYS_sendmsg, fd, msg, flags);

	if (n < 0 && errno == EPIPE) {
		errno = ECONNRESET;
	}
	return (ssize_t) n;
}

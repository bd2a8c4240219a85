/*
 * seccomp-probe: proves docker/seccomp.json is tight enough to matter. It is
 * linked statically exactly like respd, so its startup makes the same calls,
 * then it asks for a few calls respd needs and a few it never makes.
 * It owns no respd code and is not part of the respd image.
 *
 * Usage: seccomp-probe confined   exit 0 iff every needed call works and
 *                                 every unneeded call fails with EPERM
 *        seccomp-probe open       exit 0 iff every unneeded call works (run
 *                                 under Docker's default profile: shows the
 *                                 EPERM above comes from respd's profile)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/io_uring.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/personality.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>
#include <sys/times.h>
#include <unistd.h>

/* Each probe makes one system call and returns 0 or -errno. */
static int probe_socket(void)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	close(fd);
	return 0;
}

static int probe_epoll_create1(void)
{
	int fd = epoll_create1(EPOLL_CLOEXEC);
	if (fd < 0)
		return -errno;
	close(fd);
	return 0;
}

/* Raw syscall: the probe must not depend on liburing to ask for a ring. */
static int probe_io_uring_setup(void)
{
	struct io_uring_params p;
	memset(&p, 0, sizeof(p));
	long fd = syscall(SYS_io_uring_setup, 4, &p);
	if (fd < 0)
		return -errno;
	close((int)fd);
	return 0;
}

static int probe_sysinfo(void)
{
	struct sysinfo si;
	return sysinfo(&si) == 0 ? 0 : -errno;
}

/* glibc's times() cannot tell an error from a large tick count; the raw
 * call returns -1 with errno set when a filter refuses it. */
static int probe_times(void)
{
	struct tms t;
	long r = syscall(SYS_times, &t);
	return r == -1 ? -errno : 0;
}

static int probe_getpriority(void)
{
	errno = 0;
	int r = getpriority(PRIO_PROCESS, 0);
	return (r == -1 && errno != 0) ? -errno : 0;
}

/* 0xffffffff only queries the persona, so it changes nothing. */
static int probe_personality(void)
{
	return personality(0xffffffff) == -1 ? -errno : 0;
}

static int probe_umask(void)
{
	/* umask cannot fail, so go through syscall() to see a filter's errno. */
	long r = syscall(SYS_umask, 022);
	return r < 0 ? -errno : 0;
}

struct probe {
	const char *name;
	int (*run)(void);
};

static const struct probe needed[] = {
	{ .name = "socket", .run = probe_socket },
	{ .name = "epoll_create1", .run = probe_epoll_create1 },
	{ .name = "io_uring_setup", .run = probe_io_uring_setup },
};

/* Calls respd never makes (docker/seccomp-measure checks they stay out of
 * the measured list) and that Docker's default profile allows. */
static const struct probe unneeded[] = {
	{ .name = "sysinfo", .run = probe_sysinfo },
	{ .name = "times", .run = probe_times },
	{ .name = "getpriority", .run = probe_getpriority },
	{ .name = "personality", .run = probe_personality },
	{ .name = "umask", .run = probe_umask },
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static int report(const struct probe *p, int want_errno)
{
	int r = p->run();
	int ok = (want_errno == 0) ? (r == 0) : (r == -want_errno);
	printf("%-16s %-10s want %-6s %s\n", p->name, r == 0 ? "ok" : strerror(-r),
	       want_errno == 0 ? "ok" : "EPERM", ok ? "PASS" : "FAIL");
	return ok ? 0 : 1;
}

int main(int argc, char **argv)
{
	int failures = 0;
	size_t i;

	if (argc == 2 && strcmp(argv[1], "confined") == 0) {
		for (i = 0; i < COUNT(needed); i++)
			failures += report(&needed[i], 0);
		for (i = 0; i < COUNT(unneeded); i++)
			failures += report(&unneeded[i], EPERM);
	} else if (argc == 2 && strcmp(argv[1], "open") == 0) {
		for (i = 0; i < COUNT(unneeded); i++)
			failures += report(&unneeded[i], 0);
	} else {
		fprintf(stderr, "usage: seccomp-probe confined|open\n");
		return 2;
	}
	printf("seccomp-probe %s: %d failure(s)\n", argv[1], failures);
	fflush(stdout);
	return failures == 0 ? 0 : 1;
}

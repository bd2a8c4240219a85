/* uring_recv_reset.c - a minimal reproducer, outside respd, for the lost
 * multishot recv completion that cc/servers/uring.c works around (see
 * loop_sweep there).
 *
 * Server, one thread, the way respd's uring engine works: multishot accept,
 * a multishot recv with a provided buffer ring on every connection, one send
 * of "+PONG" per data completion. Clients, N threads: connect, send one
 * PING, and reset the connection at once (SO_LINGER 0, close); every third
 * client first waits for the reply. Every multishot recv must end with a
 * completion without IORING_CQE_F_MORE (data, 0 or -ECONNRESET), after
 * which the server closes the socket.
 *
 * Two seconds after the last client is gone, the program lists the sockets
 * whose recv is still armed (what MSG_PEEK says about each) and exits 3 if
 * there are any, 0 if not. On kernel 6.18.44 (2 cores), runs of 4 threads x
 * 5,000 connections left between 0 and 11 of the 20,000 recvs armed on a
 * socket already at end of stream, with every ring setup respd tries
 * (0x3000 SINGLE_ISSUER | DEFER_TASKRUN, 0x100 COOP_TASKRUN, 0x0).
 *
 * usage: uring_recv_reset [THREADS [CONNECTIONS_PER_THREAD [SETUP_FLAGS]]]
 * e.g.   bazel run -c opt //cc/tools:uring_recv_reset -- 4 5000 0x100
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <liburing.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define NBUF 256
#define BUFSZ 4096
#define BGID 7
#define MAXFD 65536
enum { OP_ACCEPT = 1, OP_RECV = 2, OP_SEND = 3, OP_CANCEL = 4 };

static struct io_uring_buf_ring *br;
static char *bufs;
static struct sockaddr_in sa;
static int per_thread;
static atomic_int clients_done;
static unsigned char state[MAXFD]; /* 1: recv armed, 2: recv ended */
static int sends[MAXFD];

static void give_back(int bid)
{
    io_uring_buf_ring_add(br, bufs + (size_t)bid * BUFSZ, BUFSZ, (unsigned short)bid,
                          io_uring_buf_ring_mask(NBUF), 0);
    io_uring_buf_ring_advance(br, 1);
}

static void *client(void *arg)
{
    (void)arg;
    for (int i = 0; i < per_thread; i++) {
        int fd = socket(AF_INET, SOCK_STREAM, 0);
        if (connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
            perror("connect");
            exit(1);
        }
        struct linger lg = {1, 0};
        send(fd, "*1\r\n$4\r\nPING\r\n", 14, 0);
        if (i % 3 == 1) {
            char b[16];
            recv(fd, b, sizeof(b), 0); /* sometimes after the reply */
        }
        setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
        close(fd);
    }
    atomic_fetch_add(&clients_done, 1);
    return NULL;
}

static uint64_t ud(int op, int fd) { return ((uint64_t)op << 32) | (uint32_t)fd; }

static void arm_recv(struct io_uring *ring, int fd)
{
    struct io_uring_sqe *sqe = io_uring_get_sqe(ring);
    io_uring_prep_recv_multishot(sqe, fd, NULL, 0, 0);
    sqe->flags |= IOSQE_BUFFER_SELECT;
    sqe->buf_group = BGID;
    io_uring_sqe_set_data64(sqe, ud(OP_RECV, fd));
}

int main(int argc, char **argv)
{
    int nthreads = argc > 1 ? atoi(argv[1]) : 4;
    per_thread = argc > 2 ? atoi(argv[2]) : 5000;
    unsigned flags = argc > 3 ? (unsigned)strtoul(argv[3], NULL, 0)
                              : IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN;
    struct io_uring ring;
    struct io_uring_params p = {.flags = flags | IORING_SETUP_CQSIZE, .cq_entries = 65536};
    int rc = io_uring_queue_init_params(2048, &ring, &p);
    if (rc < 0) {
        fprintf(stderr, "queue_init: %s\n", strerror(-rc));
        return 1;
    }
    if (posix_memalign((void **)&br, 4096, NBUF * sizeof(struct io_uring_buf)) ||
        posix_memalign((void **)&bufs, 4096, NBUF * BUFSZ))
        return 1;
    io_uring_buf_ring_init(br);
    struct io_uring_buf_reg reg = {.ring_addr = (unsigned long)br, .ring_entries = NBUF, .bgid = BGID};
    if (io_uring_register_buf_ring(&ring, &reg, 0) < 0)
        return 1;
    for (int i = 0; i < NBUF; i++)
        give_back(i);

    int lfd = socket(AF_INET, SOCK_STREAM, 0);
    sa = (struct sockaddr_in){.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t sl = sizeof(sa);
    if (bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) || listen(lfd, 4096) ||
        getsockname(lfd, (struct sockaddr *)&sa, &sl))
        return 1;
    struct io_uring_sqe *sqe = io_uring_get_sqe(&ring);
    io_uring_prep_multishot_accept(sqe, lfd, NULL, NULL, 0);
    io_uring_sqe_set_data64(sqe, ud(OP_ACCEPT, lfd));
    io_uring_submit(&ring);

    pthread_t th[64];
    for (int i = 0; i < nthreads; i++)
        pthread_create(&th[i], NULL, client, NULL);

    long accepted = 0, ended = 0, enobufs = 0;
    struct timespec quiet_since = {0};
    for (;;) {
        struct io_uring_cqe *cqe;
        struct __kernel_timespec ts = {.tv_nsec = 100 * 1000 * 1000};
        rc = io_uring_submit_and_wait_timeout(&ring, &cqe, 1, &ts, NULL);
        if (rc == -ETIME || rc == -EINTR) {
            if (atomic_load(&clients_done) == nthreads) {
                struct timespec now;
                clock_gettime(CLOCK_MONOTONIC, &now);
                if (quiet_since.tv_sec == 0)
                    quiet_since = now;
                else if (now.tv_sec - quiet_since.tv_sec >= 2)
                    break;
            }
            continue;
        }
        if (rc < 0) {
            fprintf(stderr, "wait: %s\n", strerror(-rc));
            return 1;
        }
        unsigned head, seen = 0;
        io_uring_for_each_cqe(&ring, head, cqe) {
            seen++;
            int op = (int)(cqe->user_data >> 32), fd = (int)(uint32_t)cqe->user_data;
            if (cqe->flags & IORING_CQE_F_BUFFER)
                give_back((int)(cqe->flags >> IORING_CQE_BUFFER_SHIFT));
            if (op == OP_ACCEPT) {
                if (cqe->res >= 0) {
                    accepted++;
                    state[cqe->res] = 1;
                    sends[cqe->res] = 0;
                    arm_recv(&ring, cqe->res);
                }
                if (!(cqe->flags & IORING_CQE_F_MORE)) {
                    sqe = io_uring_get_sqe(&ring);
                    io_uring_prep_multishot_accept(sqe, lfd, NULL, NULL, 0);
                    io_uring_sqe_set_data64(sqe, ud(OP_ACCEPT, lfd));
                }
            } else if (op == OP_RECV) {
                if (cqe->res > 0) {
                    sqe = io_uring_get_sqe(&ring);
                    io_uring_prep_send(sqe, fd, "+PONG\r\n", 7, MSG_NOSIGNAL);
                    io_uring_sqe_set_data64(sqe, ud(OP_SEND, fd));
                    sends[fd]++;
                }
                if (!(cqe->flags & IORING_CQE_F_MORE)) {
                    if (cqe->res == -ENOBUFS) {
                        enobufs++;
                        arm_recv(&ring, fd);
                    } else {
                        state[fd] = 2;
                    }
                }
            } else if (op == OP_SEND) {
                sends[fd]--;
            }
            if (state[fd] == 2 && sends[fd] == 0 && op != OP_ACCEPT) {
                state[fd] = 0;
                ended++;
                close(fd);
            }
        }
        io_uring_cq_advance(&ring, seen);
        quiet_since.tv_sec = 0;
    }
    for (int i = 0; i < nthreads; i++)
        pthread_join(th[i], NULL);
    long lost = 0;
    for (int fd = 0; fd < MAXFD; fd++) {
        if (state[fd] == 1) {
            char b;
            ssize_t n = recv(fd, &b, 1, MSG_PEEK | MSG_DONTWAIT);
            if (lost < 5)
                fprintf(stderr, "fd %d: recv still armed 2 s after the last client left; "
                        "MSG_PEEK says %s\n", fd,
                        n < 0 ? strerror(errno) : n == 0 ? "end of stream" : "data waiting");
            lost++;
        }
    }
    printf("%ld connections accepted, %ld ended, %ld multishot recvs without a final CQE "
           "(setup flags 0x%x, %d client threads, %ld ENOBUFS re-arms)\n",
           accepted, ended, lost, flags, nthreads, enobufs);
    return lost ? 3 : 0;
}

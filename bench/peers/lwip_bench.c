/* bench/peers/lwip_bench.c: lwIP's side of `wirestack bench`, for
 * bench/peers/compare.sh. The same three benchmarks with the same shape and
 * the same JSON last line:
 *
 *   wirestack_peer_lwip tcp-bulk    [--bytes N] [--mtu N] [--verify] [--corrupt N]
 *   wirestack_peer_lwip tcp-connect [--count N] [--parallel N] [--close graceful|rst]
 *   wirestack_peer_lwip tcp-idle    [--connections N]   (at most 16,000)
 *   wirestack_peer_lwip options     (the library's build options)
 *
 * Built against Debian's liblwip-dev (lwIP 2.1.3), the library as the package
 * ships it: its lwipopts.h (the GNU Hurd's) is the one the shared library was
 * compiled with, so the header's macros printed below are the library's.
 * That build has NO_SYS 0 (an OS with threads): this program uses only the
 * raw callback API from one thread, calls lwip_init() rather than
 * tcpip_init() (no tcpip thread is started, so the core-lock check has
 * nothing to check) and runs lwIP's timers itself with sys_check_timeouts(),
 * which is what a NO_SYS program does.
 *
 * One lwIP instance, two Ethernet netifs (etharp_output, ethernet_input, ARP)
 * on 10.0.0.0/24: a = 10.0.0.1 and b = 10.0.0.2. Every pcb is bound to its
 * side's netif (tcp_bind_netif: clients to a, listeners to b, and accepted
 * pcbs inherit b), so lwIP sends a's segments out of a and b's out of b: with
 * ip4_route() both would leave by the first netif on the network, and a
 * segment to that netif's own address would loop back inside lwIP.
 * The wire: linkoutput copies
 * the frame into a new pbuf and queues it for the other netif; the main loop
 * hands queued frames to netif->input() in order (no reentry into lwIP from
 * its own output). Lossless, no latency, no FCS (ours computes none on a
 * clean link either). Checksums: lwIP's defaults, generated and checked in
 * software for IP and TCP (CHECKSUM_GEN_*, CHECKSUM_CHECK_* are 1).
 *
 * The main loop (run_until) is a NO_SYS program's: deliver a batch of frames,
 * run the due timers (sys_check_timeouts), let the application open new
 * connections; callbacks never open connections themselves (see conn_done).
 *
 * Time: wall clock (CLOCK_MONOTONIC) and CPU time (clock()) of this process,
 * as `wirestack bench` measures. lwIP's timers run on the real clock (sys_now
 * of the library's Unix port); when the wire is empty and the run is not
 * done the loop sleeps until the next timer, and counts it (timer_waits): a
 * run that has to wait for a timer shows it in wall time, not CPU time. A
 * clean run of any of the three benchmarks waits for none. */
#define _GNU_SOURCE
#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lwip/etharp.h"
#include "lwip/init.h"
#include "lwip/netif.h"
#include "lwip/pbuf.h"
#include "lwip/priv/tcp_priv.h" /* tcp_active_pcbs, tcp_tw_pcbs: counted, not changed */
#include "lwip/tcp.h"
#include "lwip/timeouts.h"
#include "netif/ethernet.h"

/* ---- measurement ----------------------------------------------------------- */

static double wall_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static double cpu_now(void) { return (double)clock() / CLOCKS_PER_SEC; }

/* ---- the wire -------------------------------------------------------------- */

struct frame {
  struct pbuf *p;
  struct netif *to;
};

static struct frame *wire_ring;
static size_t wire_cap, wire_head, wire_len;
static uint64_t frames_delivered;
static uint64_t frames_dropped; /* copies that could not be allocated */
static uint64_t timer_waits;
static uint64_t corrupt_every, data_frames, frames_corrupted; /* tcp-bulk --corrupt N */
static uint64_t rst_segments; /* TCP segments with RST on the wire */
static struct netif netif_a, netif_b;

/* Grows the ring to at least cap frames (done before a heap baseline, so
 * that the ring is not counted as the stack's). */
static int wire_reserve(size_t cap) {
  if (cap <= wire_cap) return 1;
  struct frame *r = malloc(cap * sizeof *r);
  if (r == NULL) return 0;
  for (size_t i = 0; i < wire_len; ++i) r[i] = wire_ring[(wire_head + i) % wire_cap];
  free(wire_ring);
  wire_ring = r;
  wire_cap = cap;
  wire_head = 0;
  return 1;
}

static void wire_push(struct pbuf *p, struct netif *to) {
  if (wire_len == wire_cap && !wire_reserve(wire_cap ? wire_cap * 2 : 1024)) {
    pbuf_free(p);
    ++frames_dropped;
    return;
  }
  wire_ring[(wire_head + wire_len) % wire_cap] = (struct frame){p, to};
  ++wire_len;
}

/* The window and window scale that the first SYN on the wire advertises, to
 * show the library's real settings. */
static int syn_window = -1, syn_wscale = -1;

static void note_syn(const struct pbuf *p) {
  const u8_t *b = p->payload;
  if (p->len < 14 + 20 + 20 || b[12] != 0x08 || b[13] != 0x00 || b[14 + 9] != 6) return;
  const u8_t *t = b + 14 + (b[14] & 0x0f) * 4;
  const int hlen = (t[12] >> 4) * 4;
  if ((t[13] & 0x02) == 0 || t + hlen > b + p->len) return; /* not a SYN */
  syn_window = t[14] << 8 | t[15];
  for (int o = 20; o + 1 < hlen && t[o] != 0;) {
    if (t[o] == 1) {
      ++o;
      continue;
    }
    if (t[o] == 3 && o + 2 < hlen) syn_wscale = t[o + 2];
    o += t[o + 1] > 1 ? t[o + 1] : 1;
  }
}

/* tcp-bulk --corrupt N: every Nth data segment from a to b has one payload
 * byte flipped on the wire (its checksum left as it was). The library must
 * drop it (CHECKSUM_CHECK_TCP) and the sender must send it again: with
 * --verify, a library that did not check would deliver the flipped byte. */
static void maybe_corrupt(struct pbuf *p) {
  u8_t *b = p->payload;
  if (p->len < 14 + 20 + 20 || b[12] != 0x08 || b[13] != 0x00 || b[14 + 9] != 6) return;
  const unsigned ihl = (b[14] & 0x0fu) * 4u, ip_len = (unsigned)(b[16] << 8 | b[17]);
  const unsigned thl = (b[14 + ihl + 12] >> 4) * 4u;
  if (ip_len <= ihl + thl || 14u + ip_len > p->len) return; /* no payload */
  if (++data_frames % corrupt_every != 0) return;
  b[14 + ihl + thl + (data_frames / corrupt_every) % (ip_len - ihl - thl)] ^= 0x5a;
  ++frames_corrupted;
}

static err_t wire_linkoutput(struct netif *netif, struct pbuf *p) {
  /* The frame leaves this netif: a copy of its bytes arrives at the other. */
  struct pbuf *copy = pbuf_clone(PBUF_RAW, PBUF_RAM, p);
  if (copy == NULL) {
    ++frames_dropped;
    return ERR_MEM;
  }
  if (syn_window < 0) note_syn(copy);
  const u8_t *b = copy->payload;
  if (copy->len >= 14 + 20 + 20 && b[12] == 0x08 && b[13] == 0x00 && b[14 + 9] == 6 &&
      (b[14 + (b[14] & 0x0f) * 4 + 13] & 0x04) != 0)
    ++rst_segments;
  if (corrupt_every != 0 && netif == &netif_a) maybe_corrupt(copy);
  wire_push(copy, netif == &netif_a ? &netif_b : &netif_a);
  return ERR_OK;
}

/* Delivers the frames queued when it is called (one batch: those that their
 * processing queues wait for the next call); returns how many. */
static uint64_t wire_pump(void) {
  uint64_t n = wire_len;
  for (uint64_t i = 0; i < n; ++i) {
    struct frame f = wire_ring[wire_head];
    wire_head = (wire_head + 1) % wire_cap;
    --wire_len;
    if (f.to->input(f.p, f.to) != ERR_OK) pbuf_free(f.p);
  }
  frames_delivered += n;
  return n;
}

/* Nothing on the wire: run lwIP's due timers, sleeping until the next one. */
static void wait_for_timer(void) {
  u32_t ms = sys_timeouts_sleeptime();
  if (ms > 0 && ms != SYS_TIMEOUTS_SLEEPTIME_INFINITE) {
    ++timer_waits;
    usleep(ms * 1000u);
  }
  sys_check_timeouts();
}

/* The main loop of a NO_SYS program: deliver a batch of frames (the driver's
 * poll), run the due timers, let the application act (after, may be NULL:
 * new connections are opened here, never from inside lwIP's callbacks), until
 * done() or limit_s of wall time. Returns done(). */
static int run_until(int (*done)(void), void (*after)(void), double limit_s) {
  const double t0 = wall_now();
  while (!done()) {
    if (wire_pump() == 0) {
      if (wall_now() - t0 > limit_s) break;
      wait_for_timer();
    } else {
      sys_check_timeouts();
    }
    if (after != NULL) after();
  }
  return done();
}

/* ---- two netifs ------------------------------------------------------------ */

static u16_t link_mtu = 1500;

static err_t netif_setup(struct netif *netif) {
  netif->name[0] = 'w';
  netif->name[1] = netif == &netif_a ? 'a' : 'b';
  netif->output = etharp_output;
  netif->linkoutput = wire_linkoutput;
  netif->mtu = link_mtu;
  netif->hwaddr_len = ETH_HWADDR_LEN;
  static const u8_t mac_a[ETH_HWADDR_LEN] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x01};
  static const u8_t mac_b[ETH_HWADDR_LEN] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x02};
  memcpy(netif->hwaddr, netif == &netif_a ? mac_a : mac_b, ETH_HWADDR_LEN);
  netif->flags = NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP | NETIF_FLAG_ETHERNET | NETIF_FLAG_LINK_UP;
  return ERR_OK;
}

static ip4_addr_t addr_a, addr_b;

static void stack_up(void) {
  lwip_init();
  ip4_addr_t mask;
  IP4_ADDR(&addr_a, 10, 0, 0, 1);
  IP4_ADDR(&addr_b, 10, 0, 0, 2);
  IP4_ADDR(&mask, 255, 255, 255, 0);
  netif_add(&netif_a, &addr_a, &mask, IP4_ADDR_ANY4, NULL, netif_setup, ethernet_input);
  netif_add(&netif_b, &addr_b, &mask, IP4_ADDR_ANY4, NULL, netif_setup, ethernet_input);
  netif_set_up(&netif_a);
  netif_set_up(&netif_b);
  netif_set_link_up(&netif_a);
  netif_set_link_up(&netif_b);
  /* ARP first (one exchange: b learns a from the request): lwIP queues only
   * ARP_QUEUE_LEN (10) packets for an unresolved address and drops the rest,
   * so 64 SYNs at once would mostly wait for their retransmission. */
  etharp_request(&netif_a, &addr_b);
  while (wire_pump() > 0) {
  }
}

/* New pcbs: the client's on a, the server's (listeners) on b. */
static struct tcp_pcb *bound_pcb(struct netif *netif) {
  struct tcp_pcb *pcb = tcp_new();
  if (pcb != NULL) tcp_bind_netif(pcb, netif);
  return pcb;
}
static struct tcp_pcb *client_pcb(void) { return bound_pcb(&netif_a); }
static struct tcp_pcb *server_pcb(void) { return bound_pcb(&netif_b); }

/* ---- tcp-bulk -------------------------------------------------------------- */

#define PATTERN_LEN 65536u
static u8_t pattern[PATTERN_LEN];
static u8_t rbuf[256 * 1024];

struct bulk {
  uint64_t total, sent, received, mismatch;
  int eof, failed, shut, verify;
  double t_end, cpu_end;
  struct tcp_pcb *tx;
};
static struct bulk bulk;

/* Sender: the 64 KiB pattern again and again, copied into lwIP's send queue
 * (TCP_WRITE_FLAG_COPY), as much as its send buffer takes; then the FIN. */
static void bulk_fill(struct tcp_pcb *pcb) {
  while (bulk.sent < bulk.total) {
    const uint64_t off = bulk.sent % PATTERN_LEN;
    uint64_t n = tcp_sndbuf(pcb);
    if (n == 0) break;
    if (n > PATTERN_LEN - off) n = PATTERN_LEN - off;
    if (n > bulk.total - bulk.sent) n = bulk.total - bulk.sent;
    if (n > 0xffff) n = 0xffff;
    if (tcp_write(pcb, pattern + off, (u16_t)n, TCP_WRITE_FLAG_COPY) != ERR_OK) break; /* queue full */
    bulk.sent += n;
  }
  if (bulk.sent == bulk.total && !bulk.shut) {
    bulk.shut = 1;
    tcp_shutdown(pcb, 0, 1);
  }
  tcp_output(pcb);
}

static err_t bulk_sent(void *arg, struct tcp_pcb *pcb, u16_t len) {
  (void)arg;
  (void)len;
  if (!bulk.shut) bulk_fill(pcb);
  return ERR_OK;
}

static err_t bulk_connected(void *arg, struct tcp_pcb *pcb, err_t err) {
  (void)arg;
  if (err != ERR_OK) {
    bulk.failed = 1;
    return err;
  }
  bulk_fill(pcb);
  return ERR_OK;
}

static void bulk_err(void *arg, err_t err) {
  (void)arg;
  (void)err;
  if (!bulk.eof) bulk.failed = 1;
}

/* Receiver: copies every byte out of the pbufs into an application buffer,
 * opens the window by as much, closes at the end of stream. */
static err_t bulk_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err) {
  (void)arg;
  (void)err;
  if (p == NULL) {
    bulk.eof = 1;
    bulk.t_end = wall_now();
    bulk.cpu_end = cpu_now();
    tcp_recv(pcb, NULL);
    tcp_err(pcb, NULL);
    tcp_close(pcb);
    return ERR_OK;
  }
  const u16_t n = p->tot_len;
  pbuf_copy_partial(p, rbuf, n, 0); /* n <= the window < sizeof rbuf */
  if (bulk.verify) {
    for (u16_t i = 0; i < n; ++i) {
      if (rbuf[i] != pattern[(bulk.received + i) % PATTERN_LEN]) ++bulk.mismatch;
    }
  }
  bulk.received += n;
  tcp_recved(pcb, n);
  pbuf_free(p);
  return ERR_OK;
}

static err_t bulk_accept(void *arg, struct tcp_pcb *pcb, err_t err) {
  (void)arg;
  if (err != ERR_OK || pcb == NULL) return ERR_VAL;
  tcp_recv(pcb, bulk_recv);
  return ERR_OK;
}

static int bulk_over(void) { return bulk.eof || bulk.failed; }

static int bench_bulk(uint64_t bytes, int verify) {
  for (size_t i = 0; i < PATTERN_LEN; ++i) pattern[i] = (u8_t)(i * 7);
  bulk.total = bytes;
  bulk.verify = verify;
  struct tcp_pcb *l = server_pcb();
  if (l == NULL || tcp_bind(l, IP4_ADDR_ANY, 5001) != ERR_OK || (l = tcp_listen(l)) == NULL) {
    fprintf(stderr, "wirestack_peer_lwip tcp-bulk: cannot listen on port 5001\n");
    return 1;
  }
  tcp_accept(l, bulk_accept);

  const double t0 = wall_now(), cpu0 = cpu_now();
  struct tcp_pcb *tx = client_pcb();
  if (tx == NULL) return 1;
  tcp_sent(tx, bulk_sent);
  tcp_err(tx, bulk_err);
  ip_addr_t dst;
  ip_addr_copy_from_ip4(dst, addr_b);
  if (tcp_connect(tx, &dst, 5001, bulk_connected) != ERR_OK) {
    fprintf(stderr, "wirestack_peer_lwip tcp-bulk: connect failed\n");
    return 1;
  }
  run_until(bulk_over, NULL, 3600);
  if (!bulk.eof) {
    fprintf(stderr, "wirestack_peer_lwip tcp-bulk: the transfer did not finish (%s after %llu bytes)\n",
            bulk.failed ? "error" : "stalled", (unsigned long long)bulk.received);
    return 1;
  }
  const double wall = bulk.t_end - t0, cpu = bulk.cpu_end - cpu0;
  const double gbps = (double)bulk.received * 8 / wall / 1e9;
  const double cpu_gbps = cpu > 0 ? (double)bulk.received * 8 / cpu / 1e9 : 0;
  printf("tcp-bulk (lwIP %s): %llu bytes in %.3f s wall = %.2f Gbit/s (CPU %.3f s = %.2f Gbit/s per CPU second; "
         "MTU %u, MSS %u, SYN window %d scale %d, %llu frames, %llu corrupted, %llu timer waits%s)\n",
         LWIP_VERSION_STRING, (unsigned long long)bulk.received, wall, gbps, cpu, cpu_gbps, link_mtu,
         (unsigned)TCP_MSS, syn_window, syn_wscale, (unsigned long long)frames_delivered,
         (unsigned long long)frames_corrupted, (unsigned long long)timer_waits,
         verify ? (bulk.mismatch ? ", DATA MISMATCH" : ", every byte checked") : "");
  printf("{\"bench\":\"tcp-bulk\",\"stack\":\"lwip\",\"bytes\":%llu,\"mtu\":%u,\"wall_s\":%.6f,\"gbit_per_s\":%.4f,"
         "\"cpu_s\":%.6f,\"gbit_per_cpu_s\":%.4f,\"events\":%llu,\"timer_waits\":%llu,\"verified\":%s,"
         "\"mismatched_bytes\":%llu,\"corrupted_frames\":%llu}\n",
         (unsigned long long)bulk.received, link_mtu, wall, gbps, cpu, cpu_gbps, (unsigned long long)frames_delivered,
         (unsigned long long)timer_waits, verify ? "true" : "false", (unsigned long long)bulk.mismatch,
         (unsigned long long)frames_corrupted);
  return bulk.received == bytes && bulk.mismatch == 0 && frames_dropped == 0 ? 0 : 1;
}

/* ---- tcp-connect ------------------------------------------------------------ */

/* One cycle, as ours: connect, a 16-byte request, a 16-byte response, the
 * server closes first (its side keeps the TIME-WAIT), the client reads the
 * end of stream and closes. With --close rst the client aborts (RST) as soon
 * as it has the response, and nobody keeps a TIME-WAIT.
 *
 * lwIP answers a SYN that meets a TIME-WAIT of the same 4-tuple with an ACK,
 * not a new connection (ours, like Linux, accepts it), and its TIME-WAIT
 * lasts 2 MSL = 120 s of the real clock: so cycle i connects to server port
 * 5001 + i / 16000, and with 16,384 ephemeral ports in turn no 4-tuple comes
 * back within one run. */
#define MSG 16
#define PER_PORT 16000u

struct conn_run {
  uint64_t count, launched, completed, failed;
  unsigned parallel, in_flight;
  int rst;
};
static struct conn_run cr;
static const char request[MSG] = "qqqqqqqqqqqqqqq";
static const char response[MSG] = "ppppppppppppppp";

/* A cycle ends; the main loop opens the next one (run_until's after hook).
 * Not from here: this runs inside lwIP's input processing, and a pcb that
 * tcp_new() returns there can have the address of the one just freed (the
 * library's pcbs come from malloc), which tcp_output() takes for the pcb
 * being processed and so sends nothing: the SYN would wait for the slow
 * timer's retransmission, 250-500 ms. */
static void conn_done(int ok) {
  if (ok)
    ++cr.completed;
  else
    ++cr.failed;
  --cr.in_flight;
}

static void detach(struct tcp_pcb *pcb) {
  tcp_arg(pcb, NULL);
  tcp_recv(pcb, NULL);
  tcp_sent(pcb, NULL);
  tcp_err(pcb, NULL);
}

/* The client's bytes so far live in its pcb's arg. */
static err_t client_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err) {
  (void)err;
  uintptr_t got = (uintptr_t)arg;
  if (p == NULL) {
    detach(pcb);
    tcp_close(pcb);
    conn_done(got == MSG);
    return ERR_OK;
  }
  got += p->tot_len;
  tcp_recved(pcb, p->tot_len);
  pbuf_free(p);
  if (cr.rst && got >= MSG) {
    detach(pcb);
    tcp_abort(pcb);
    conn_done(got == MSG);
    return ERR_ABRT;
  }
  tcp_arg(pcb, (void *)got);
  return ERR_OK;
}

static void client_err(void *arg, err_t err) {
  (void)arg;
  (void)err;
  conn_done(0); /* the pcb is gone */
}

static err_t client_connected(void *arg, struct tcp_pcb *pcb, err_t err) {
  (void)arg;
  if (err != ERR_OK) return err;
  tcp_write(pcb, request, MSG, TCP_WRITE_FLAG_COPY);
  tcp_output(pcb);
  return ERR_OK;
}

static err_t server_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err) {
  (void)err;
  uintptr_t got = (uintptr_t)arg;
  if (p == NULL) { /* the client left before the response */
    detach(pcb);
    tcp_close(pcb);
    return ERR_OK;
  }
  got += p->tot_len;
  tcp_recved(pcb, p->tot_len);
  pbuf_free(p);
  if (got >= MSG) {
    tcp_write(pcb, response, MSG, TCP_WRITE_FLAG_COPY);
    detach(pcb);
    tcp_close(pcb); /* response and FIN */
    return ERR_OK;
  }
  tcp_arg(pcb, (void *)got);
  return ERR_OK;
}

static err_t server_accept(void *arg, struct tcp_pcb *pcb, err_t err) {
  (void)arg;
  if (err != ERR_OK || pcb == NULL) return ERR_VAL;
  tcp_arg(pcb, NULL);
  tcp_recv(pcb, server_recv);
  return ERR_OK;
}

static int listen_ports(unsigned ports, tcp_accept_fn accept, u8_t backlog) {
  for (unsigned i = 0; i < ports; ++i) {
    struct tcp_pcb *l = server_pcb();
    if (l == NULL || tcp_bind(l, IP4_ADDR_ANY, (u16_t)(5001 + i)) != ERR_OK ||
        (l = tcp_listen_with_backlog(l, backlog)) == NULL) {
      fprintf(stderr, "wirestack_peer_lwip: cannot listen on port %u\n", 5001 + i);
      return 0;
    }
    tcp_accept(l, accept);
  }
  return 1;
}

static void conn_launch(void) {
  while (cr.in_flight < cr.parallel && cr.launched < cr.count) {
    const uint64_t i = cr.launched++;
    ++cr.in_flight;
    struct tcp_pcb *pcb = client_pcb();
    if (pcb == NULL) {
      --cr.in_flight;
      ++cr.failed;
      continue;
    }
    tcp_arg(pcb, NULL);
    tcp_recv(pcb, client_recv);
    tcp_err(pcb, client_err);
    ip_addr_t dst;
    ip_addr_copy_from_ip4(dst, addr_b);
    if (tcp_connect(pcb, &dst, (u16_t)(5001 + i / PER_PORT), client_connected) != ERR_OK) {
      tcp_abort(pcb);  /* calls client_err: counted there */
    }
  }
}

static int conn_over(void) { return cr.completed + cr.failed >= cr.count; }

static int bench_connect(uint64_t count, unsigned parallel, int rst) {
  cr.count = count;
  cr.parallel = parallel;
  cr.rst = rst;
  if (!listen_ports((unsigned)((count + PER_PORT - 1) / PER_PORT), server_accept, 0xff)) return 1;
  const double t0 = wall_now(), cpu0 = cpu_now();
  conn_launch();
  run_until(conn_over, conn_launch, 3600);
  const double wall = wall_now() - t0, cpu = cpu_now() - cpu0;
  uint64_t tw = 0;
  for (struct tcp_pcb *p = tcp_tw_pcbs; p != NULL; p = p->next) ++tw;
  const double rate = (double)cr.completed / wall, cpu_rate = cpu > 0 ? (double)cr.completed / cpu : 0;
  printf("tcp-connect (lwIP %s): %llu cycles (connect, %d-byte request, %d-byte response, %s close) in %.3f s "
         "wall = %.0f cycles/s (CPU %.3f s = %.0f cycles per CPU second; %u in flight, %llu failed, %llu frames, "
         "%llu RST segments, %llu TIME-WAIT pcbs at the end, %llu timer waits)\n",
         LWIP_VERSION_STRING, (unsigned long long)cr.completed, MSG, MSG, rst ? "RST" : "graceful", wall, rate, cpu,
         cpu_rate, parallel, (unsigned long long)cr.failed, (unsigned long long)frames_delivered,
         (unsigned long long)rst_segments, (unsigned long long)tw, (unsigned long long)timer_waits);
  printf("{\"bench\":\"tcp-connect\",\"stack\":\"lwip\",\"close\":\"%s\",\"cycles\":%llu,\"failed\":%llu,"
         "\"parallel\":%u,\"wall_s\":%.6f,\"cycles_per_s\":%.1f,\"cpu_s\":%.6f,\"cycles_per_cpu_s\":%.1f,"
         "\"events\":%llu,\"rst_segments\":%llu,\"time_wait\":%llu,\"timer_waits\":%llu}\n",
         rst ? "rst" : "graceful", (unsigned long long)cr.completed, (unsigned long long)cr.failed, parallel, wall,
         rate, cpu, cpu_rate, (unsigned long long)frames_delivered, (unsigned long long)rst_segments,
         (unsigned long long)tw, (unsigned long long)timer_waits);
  /* A graceful run that reset a connection did not measure what it says. */
  return cr.completed == count && (rst || rst_segments == 0) ? 0 : 1;
}

/* ---- tcp-idle ------------------------------------------------------------------ */

static long long rss_bytes(void) {
  FILE *f = fopen("/proc/self/status", "r");
  char line[256];
  long long kb = -1;
  while (f != NULL && fgets(line, sizeof line, f) != NULL) {
    if (strncmp(line, "VmRSS:", 6) == 0) kb = atoll(line + 6);
  }
  if (f != NULL) fclose(f);
  return kb < 0 ? -1 : kb * 1024;
}

static err_t idle_accept(void *arg, struct tcp_pcb *pcb, err_t err) {
  (void)arg;
  (void)pcb;
  return err == ERR_OK ? ERR_OK : ERR_VAL;
}

static err_t idle_connected(void *arg, struct tcp_pcb *pcb, err_t err) {
  (void)arg;
  (void)pcb;
  return err;
}

/* N connections opened in batches of 1,000 and left idle; the heap (glibc's
 * mallinfo2, uordblks + hblkhd as ours: chunks malloc maps on their own
 * count too) before and after, divided by the 2 N endpoints. The
 * listener, ARP and the wire's frame ring are set up before the baseline.
 * At most 16,000 connections: lwIP gives a connection from one local address
 * a local port of its own (tcp_new_port: 16,384 ephemeral ports), whatever
 * the remote end, and every pcb list is scanned linearly (16,000 connections
 * take seconds to set up); the heap per endpoint does not depend on N. */
#define IDLE_MAX 16000u

static long long heap_bytes(void) {
  const struct mallinfo2 mi = mallinfo2();
  return (long long)(mi.uordblks + mi.hblkhd);
}

static int bench_idle(uint64_t n) {
  if (n > IDLE_MAX) {
    fprintf(stderr,
            "wirestack_peer_lwip tcp-idle: --connections at most %u (lwIP's 16,384 ephemeral ports for one local "
            "address)\n",
            IDLE_MAX);
    return 2;
  }
  if (!listen_ports(1, idle_accept, 0xff) || !wire_reserve(4096)) return 1;
  malloc_trim(0);
  const long long heap0 = heap_bytes(), rss0 = rss_bytes();
  const double t0 = wall_now();
  ip_addr_t dst;
  ip_addr_copy_from_ip4(dst, addr_b);
  for (uint64_t opened = 0; opened < n;) {
    for (uint64_t i = 0; i < 1000 && opened < n; ++i, ++opened) {
      struct tcp_pcb *pcb = client_pcb();
      if (pcb == NULL || tcp_connect(pcb, &dst, 5001, idle_connected) != ERR_OK) {
        fprintf(stderr, "wirestack_peer_lwip tcp-idle: connect #%llu failed\n", (unsigned long long)opened);
        return 1;
      }
    }
    while (wire_pump() > 0) {
    }
  }
  sys_check_timeouts();
  while (wire_pump() > 0) {
  }
  const double wall = wall_now() - t0;
  uint64_t established = 0;
  for (struct tcp_pcb *p = tcp_active_pcbs; p != NULL; p = p->next) established += p->state == ESTABLISHED;
  const long long heap1 = heap_bytes(), rss1 = rss_bytes();
  const double endpoints = (double)(2 * n);
  const double heap_per = (double)(heap1 - heap0) / endpoints, rss_per = (double)(rss1 - rss0) / endpoints;
  printf("tcp-idle (lwIP %s): %llu idle connections (%llu endpoints, %llu established) set up in %.2f s wall\n",
         LWIP_VERSION_STRING, (unsigned long long)n, (unsigned long long)(2 * n), (unsigned long long)established,
         wall);
  printf("tcp-idle: heap (mallinfo2 uordblks + hblkhd; this lwIP allocates every pcb with malloc) +%.1f MiB = %.0f bytes per "
         "endpoint, %.0f per connection (both ends)\n",
         (double)(heap1 - heap0) / (1 << 20), heap_per, heap_per * 2);
  printf("tcp-idle: RSS (VmRSS) +%.1f MiB = %.0f bytes per endpoint; sizeof(struct tcp_pcb) = %zu bytes\n",
         (double)(rss1 - rss0) / (1 << 20), rss_per, sizeof(struct tcp_pcb));
  printf("{\"bench\":\"tcp-idle\",\"stack\":\"lwip\",\"connections\":%llu,\"endpoints\":%llu,"
         "\"established_endpoints\":%llu,\"heap_bytes_per_endpoint\":%.1f,\"rss_bytes_per_endpoint\":%.1f,"
         "\"sizeof_connection\":%zu,\"buffer_bytes\":0,\"wall_s\":%.6f}\n",
         (unsigned long long)n, (unsigned long long)(2 * n), (unsigned long long)established, heap_per, rss_per,
         sizeof(struct tcp_pcb), wall);
  return established == 2 * n ? 0 : 1;
}

/* ---- command line ------------------------------------------------------------------ */

static void print_options(void) {
  printf("lwIP %s (Debian liblwip, its lwipopts.h): NO_SYS %d, TCP_MSS %d, TCP_WND %d, LWIP_WND_SCALE %d "
         "(TCP_RCV_SCALE %d), TCP_SND_BUF %d, TCP_SND_QUEUELEN %d, LWIP_CHECKSUM_ON_COPY %d, CHECKSUM_GEN_TCP %d, "
         "CHECKSUM_CHECK_TCP %d, MEM_LIBC_MALLOC %d, MEMP_MEM_MALLOC %d, SYS_LIGHTWEIGHT_PROT %d, LWIP_IPV6 %d\n",
         LWIP_VERSION_STRING, NO_SYS, TCP_MSS, TCP_WND, LWIP_WND_SCALE, TCP_RCV_SCALE, TCP_SND_BUF,
         TCP_SND_QUEUELEN, LWIP_CHECKSUM_ON_COPY, CHECKSUM_GEN_TCP, CHECKSUM_CHECK_TCP, MEM_LIBC_MALLOC,
         MEMP_MEM_MALLOC, SYS_LIGHTWEIGHT_PROT, LWIP_IPV6);
}

static int usage(void) {
  fprintf(stderr,
          "usage: wirestack_peer_lwip tcp-bulk [--bytes N] [--mtu N] [--verify] [--corrupt N]\n"
          "       wirestack_peer_lwip tcp-connect [--count N] [--parallel N] [--close graceful|rst]\n"
          "       wirestack_peer_lwip tcp-idle [--connections N]\n"
          "       wirestack_peer_lwip options\n");
  return 2;
}

static int number(const char *s, uint64_t lo, uint64_t hi, uint64_t *out) {
  char *end = NULL;
  const unsigned long long v = strtoull(s, &end, 10);
  if (end == s || *end != '\0' || v < lo || v > hi) return 0;
  *out = v;
  return 1;
}

int main(int argc, char **argv) {
  if (argc < 2) return usage();
  const char *cmd = argv[1];
  uint64_t bytes = 1ULL << 30, mtu = 1500, count = 100000, parallel = 64, connections = 10000, corrupt = 0;
  int verify = 0, rst = 0;
  for (int i = 2; i < argc; ++i) {
    const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
    int ok = 1;
    if (strcmp(a, "--verify") == 0) {
      verify = 1;
      continue;
    }
    if (v == NULL) return usage();
    if (strcmp(a, "--bytes") == 0)
      ok = number(v, 1, UINT64_MAX, &bytes);
    else if (strcmp(a, "--mtu") == 0)
      ok = number(v, 576, 1500, &mtu); /* the library's TCP_MSS is 1460 */
    else if (strcmp(a, "--count") == 0)
      ok = number(v, 1, UINT64_MAX, &count);
    else if (strcmp(a, "--parallel") == 0)
      ok = number(v, 1, 10000, &parallel);
    else if (strcmp(a, "--connections") == 0)
      ok = number(v, 1, 1000000, &connections);
    else if (strcmp(a, "--corrupt") == 0)
      ok = number(v, 1, UINT64_MAX, &corrupt);
    else if (strcmp(a, "--close") == 0 && (strcmp(v, "graceful") == 0 || strcmp(v, "rst") == 0))
      rst = strcmp(v, "rst") == 0;
    else
      ok = 0;
    if (!ok) {
      fprintf(stderr, "wirestack_peer_lwip: bad option %s %s\n", a, v);
      return 2;
    }
    ++i;
  }
  link_mtu = (u16_t)mtu;
  corrupt_every = corrupt;
  if (strcmp(cmd, "options") == 0) {
    print_options();
    return 0;
  }
  stack_up();
  if (strcmp(cmd, "tcp-bulk") == 0) return bench_bulk(bytes, verify);
  if (strcmp(cmd, "tcp-connect") == 0) return bench_connect(count, (unsigned)parallel, rst);
  if (strcmp(cmd, "tcp-idle") == 0) return bench_idle(connections);
  return usage();
}

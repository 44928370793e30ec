// SPDX-License-Identifier: GPL-2.0
/*
 * ipsecmed: the IKEv2 daemon. One thread and one event loop (loop.h)
 * over the transports' sockets, the control socket, a signalfd and the
 * kernel's XFRM events; the SAs' deadlines are swept by a timer.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>

#include <openssl/crypto.h>

#include "ipsecmed/cert.h"
#include "ipsecmed/control.h"
#include "ipsecmed/daemon.h"
#include "ipsecmed/exchange.h"
#include "ipsecmed/kernel.h"
#include "ipsecmed/log.h"
#include "ipsecmed/reconnect.h"
#include "lib/ctl.h"
#include "lib/xfrm.h"

static void usage(FILE *f)
{
	fprintf(f,
"Usage: ipsecmed [-f FILE] [-d] [-n] [-h]\n"
"  -f, --config FILE   configuration (default " CONF_DEFAULT_PATH ")\n"
"  -d, --debug         log debug messages\n"
"  -n, --no-kernel     negotiate but install nothing in the kernel\n"
"                      (testing IKE without IPsec support)\n"
"  -h, --help          this text\n");
}

static int open_signals(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigprocmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	return signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
}

static void on_signal(struct loop_fd *f, uint32_t events)
{
	struct daemon *d = f->ctx;
	struct signalfd_siginfo si;
	char err[512];

	while (read(f->fd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGHUP) {
			if (control_reload(d, err, sizeof(err)))
				log_err("reload failed, keeping the old "
					"configuration: %s", err);
		} else {
			log_info("signal %u: stopping", si.ssi_signo);
			d->stop = 1;
		}
	}
}

static void on_control(struct loop_fd *f, uint32_t events)
{
	struct daemon *d = f->ctx;
	int err = ctl_server_handle(d->ctl);

	if (err)
		log_info("control client refused: %s", strerror(-err));
}

static void on_kernel_events(struct loop_fd *f, uint32_t events)
{
	kernel_events(f->ctx);
}

/* The module saw a connection end; the stream may not have yet. */
static void on_conn_lost(void *ctx, uint64_t ino, int err, uint32_t bindings)
{
	struct daemon *d = ctx;

	bool ours = tcp_stream_lost_ino(&d->tcp, ino, err);

	/* Another program's espintcp sockets are not ours to report. */
	if (ours || bindings)
		log_info("ipsecme.ko: connection of socket %" PRIu64 " lost "
			 "(%s), %u SAs bound to it dormant", ino,
			 strerror(err), bindings);
}

static void on_module_events(struct loop_fd *f, uint32_t events)
{
	struct daemon *d = f->ctx;

	module_events_read(&d->module, on_conn_lost, d);
}

static void on_sweep(struct timer *t)
{
	struct daemon *d = t->ctx;

	timer_arm(&d->loop, &d->sweep, now_ms() + daemon_timers(d));
}

static void start_conns(struct daemon *d)
{
	size_t i;

	for (i = 0; i < d->conf->n_conns; i++) {
		const struct conf_conn *c = &d->conf->conns[i];

		if (c->start_action == CONF_START_START)
			initiate(d, c, NULL);
		else if (c->start_action == CONF_START_TRAP)
			log_warn("%s: start_action = trap is not supported "
				 "yet; use start or ipsecme up", c->name);
	}
}

/* Watch @fd with @ready, and the daemon as its context. */
static int watch(struct daemon *d, struct loop_fd *f, int fd,
		 void (*ready)(struct loop_fd *, uint32_t))
{
	*f = (struct loop_fd){ .fd = fd, .ready = ready, .ctx = d };
	return loop_add_fd(&d->loop, f, EPOLLIN);
}

static void run(struct daemon *d)
{
	int err;

	d->sweep = (struct timer){ .fire = on_sweep, .ctx = d };
	while (!d->stop) {
		/* Every pass sweeps the SAs before it waits (input may
		 * have made a deadline) and again after, before the input
		 * that came meanwhile: a rekey due on both ends then
		 * collides as over a real network.
		 */
		on_sweep(&d->sweep);
		err = loop_run_once(&d->loop, -1);
		if (err && err != -EINTR)
			log_err("epoll: %s", strerror(-err));
	}
	timer_cancel(&d->loop, &d->sweep);
}

/* On exit: tell every peer, take everything out of the kernel. */
static void shutdown_sas(struct daemon *d)
{
	struct ike_sa *sa;

	for (sa = d->sas; sa; sa = sa->next) {
		if (sa->state == IKE_S_ESTABLISHED &&
		    !task_window_full(&sa->tasks))
			info_send_delete(d, sa);
		sa->state = IKE_S_ESTABLISHED;	/* not HALF_OPEN accounting */
		sa_terminate(d, sa, NULL);
	}
	daemon_timers(d);
}

static int setup(struct daemon *d, int sigfd)
{
	static struct ctl_handlers h;
	static struct loop_fd sig_fd, ctl_fd, xfrm_fd, module_fd;
	const struct tcp_limits tcp_limits = {
		.max_conns = d->conf->daemon.tcp_max_conns,
		.max_per_source = d->conf->daemon.tcp_max_per_source,
		.timeout_ms = d->conf->daemon.tcp_timeout * 1000,
	};
	int err;

	err = loop_init(&d->loop);
	if (err || (err = watch(d, &sig_fd, sigfd, on_signal))) {
		log_err("cannot set up the event loop: %s", strerror(-err));
		return err;
	}
	if (d->kernel) {
		err = nl_open(&d->xfrm, NETLINK_XFRM);
		if (err) {
			log_err("cannot open XFRM netlink: %s (is this a "
				"kernel with IPsec? -n negotiates without "
				"it)", strerror(-err));
			return err;
		}
		d->policies.xfrm = &d->xfrm;
		/* Without the module nothing goes over TCP but IKE. */
		err = module_open(&d->module);
		if (err)
			log_warn("cannot reach ipsecme.ko: %s",
				 strerror(-err));
		/* Without them a lost connection shows on its socket. */
		if (!err && d->module.family > 0) {
			err = module_events_open(&d->module);
			if (err >= 0)
				err = watch(d, &module_fd, err,
					    on_module_events);
			if (err)
				log_warn("cannot listen to ipsecme.ko events: "
					 "%s", strerror(-err));
		}
		/* Without the events the daemon still rekeys on time. */
		err = xfrm_events_open(&d->xfrm_ev);
		if (!err)
			err = watch(d, &xfrm_fd,
				    mnl_socket_get_fd(d->xfrm_ev.sk),
				    on_kernel_events);
		if (err)
			log_warn("cannot listen to XFRM expire events: %s",
				 strerror(-err));
	}
	daemon_tasks_configure(d);
	err = udp_transport_open(&d->udp, &d->loop, d->conf->daemon.ike_port,
				 d->conf->daemon.natt_port, d->kernel,
				 daemon_input, d);
	if (!err)
		err = tcp_transport_open(&d->tcp, &d->loop,
					 d->conf->daemon.tcp_port, &tcp_limits,
					 d->kernel, daemon_input,
					 reconnect_tcp_event, d);
	if (err)
		return err;
	control_handlers(d, &h);
	err = ctl_server_open(&d->ctl, d->conf->daemon.ctl_socket, &h);
	if (!err)
		err = watch(d, &ctl_fd, ctl_server_fd(d->ctl), on_control);
	if (err)
		log_err("cannot open the control socket %s: %s",
			d->conf->daemon.ctl_socket, strerror(-err));
	return err;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'f' },
		{ "debug", no_argument, NULL, 'd' },
		{ "no-kernel", no_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	static struct daemon d = { .kernel = true, .loop.epfd = -1,
				   .conf_path = CONF_DEFAULT_PATH };
	char err[512];
	bool debug = false;
	int c, sigfd;

	while ((c = getopt_long(argc, argv, "f:dnh", opts, NULL)) != -1) {
		switch (c) {
		case 'f': d.conf_path = optarg; break;
		case 'd': debug = true; break;
		case 'n': d.kernel = false; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	if (conf_load(d.conf_path, 0, &d.conf, err, sizeof(err)) ||
	    creds_load_all(d.conf, &d.creds, err, sizeof(err))) {
		log_err("%s", err);
		conf_free(d.conf);
		return 1;
	}
	log_level = debug ? LOG_DEBUG : d.conf->daemon.log_level;
	cookie_rotate(&d.cookies, now_ms());
	sigfd = open_signals();
	if (sigfd < 0 || setup(&d, sigfd)) {
		tcp_transport_close(&d.tcp);
		udp_transport_close(&d.udp);
		loop_free(&d.loop);
		creds_free_all(d.creds, d.conf->n_conns);
		conf_free(d.conf);
		return 1;
	}
	log_info("listening on UDP %u and %u%s%.0u, %zu connections%s",
		 d.udp.ike_port, d.udp.natt_port,
		 d.tcp.port ? ", TCP " : "", d.tcp.port, d.conf->n_conns,
		 d.kernel ? "" : " (no kernel: nothing is installed)");
	start_conns(&d);
	run(&d);
	shutdown_sas(&d);
	ctl_server_close(d.ctl);
	tcp_transport_close(&d.tcp);
	udp_transport_close(&d.udp);
	loop_free(&d.loop);
	if (d.kernel)
		nl_close(&d.xfrm);
	if (d.xfrm_ev.sk)
		nl_close(&d.xfrm_ev);
	module_close(&d.module);
	creds_free_all(d.creds, d.conf->n_conns);
	conf_free(d.conf);
	cookie_wipe(&d.cookies);
	return 0;
}

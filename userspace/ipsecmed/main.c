// SPDX-License-Identifier: GPL-2.0
/*
 * ipsecmed: the IKEv2 daemon. One thread, one poll() loop over the UDP
 * sockets, the control socket and a signalfd; timers are deadlines the
 * loop's timeout reaches.
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/signalfd.h>

#include <openssl/crypto.h>

#include "ipsecmed/cert.h"
#include "ipsecmed/control.h"
#include "ipsecmed/kernel.h"
#include "ipsecmed/log.h"
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

static void on_signal(struct daemon *d, int fd)
{
	struct signalfd_siginfo si;
	char err[512];

	while (read(fd, &si, sizeof(si)) == sizeof(si)) {
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

static void on_udp(struct daemon *d, const struct udp_sock *s)
{
	static uint8_t buf[IKE_MAX_MSG + 8];
	struct endpoint ep;
	int n, i;

	/* Bounded, so one busy socket cannot starve the others. */
	for (i = 0; i < 64; i++) {
		n = transport_recv(s, buf, sizeof(buf), &ep);
		if (n < 0) {
			if (n != -EAGAIN && n != -EWOULDBLOCK)
				log_debug("recv: %s", strerror(-n));
			return;
		}
		if (n > 0)
			daemon_input(d, &ep, buf, (size_t)n);
	}
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

static void loop(struct daemon *d, int sigfd)
{
	struct pollfd pfd[TRANSPORT_MAX_SOCKS + 3];
	size_t i, n;

	while (!d->stop) {
		int timeout = daemon_timers(d);

		n = 0;
		for (i = 0; i < d->tr.n; i++)
			pfd[n++] = (struct pollfd){ d->tr.s[i].fd, POLLIN, 0 };
		pfd[n++] = (struct pollfd){ ctl_server_fd(d->ctl), POLLIN, 0 };
		pfd[n++] = (struct pollfd){ sigfd, POLLIN, 0 };
		if (d->xfrm_ev.sk)
			pfd[n++] = (struct pollfd){
				mnl_socket_get_fd(d->xfrm_ev.sk), POLLIN, 0 };
		if (poll(pfd, n, timeout) < 0) {
			if (errno != EINTR)
				log_err("poll: %s", strerror(errno));
			continue;
		}
		/* Deadlines that passed while we waited (or were stopped)
		 * act before the input that came meanwhile: a rekey due on
		 * both ends then collides as over a real network.
		 */
		daemon_timers(d);
		for (i = 0; i < d->tr.n; i++)
			if (pfd[i].revents & POLLIN)
				on_udp(d, &d->tr.s[i]);
		if (pfd[d->tr.n].revents & POLLIN) {
			int err = ctl_server_handle(d->ctl);

			if (err)
				log_info("control client refused: %s",
					 strerror(-err));
		}
		if (pfd[d->tr.n + 1].revents & POLLIN)
			on_signal(d, sigfd);
		if (d->xfrm_ev.sk && pfd[d->tr.n + 2].revents & POLLIN)
			kernel_events(d);
	}
}

/* On exit: tell every peer, take everything out of the kernel. */
static void shutdown_sas(struct daemon *d)
{
	struct ike_sa *sa;

	for (sa = d->sas; sa; sa = sa->next) {
		if (sa->state == IKE_S_ESTABLISHED && !sa->req_pending)
			info_send_delete(d, sa);
		sa->state = IKE_S_ESTABLISHED;	/* not HALF_OPEN accounting */
		sa_terminate(d, sa, NULL);
	}
	daemon_timers(d);
}

static int setup(struct daemon *d)
{
	static struct ctl_handlers h;
	int err;

	if (d->kernel) {
		err = nl_open(&d->xfrm, NETLINK_XFRM);
		if (err) {
			log_err("cannot open XFRM netlink: %s (is this a "
				"kernel with IPsec? -n negotiates without "
				"it)", strerror(-err));
			return err;
		}
		/* Without the events the daemon still rekeys on time. */
		err = xfrm_events_open(&d->xfrm_ev);
		if (err)
			log_warn("cannot listen to XFRM expire events: %s",
				 strerror(-err));
	}
	err = transport_open(&d->tr, d->conf->daemon.ike_port,
			     d->conf->daemon.natt_port, d->kernel);
	if (err)
		return err;
	control_handlers(d, &h);
	err = ctl_server_open(&d->ctl, d->conf->daemon.ctl_socket, &h);
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
	static struct daemon d = { .kernel = true,
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
	if (sigfd < 0 || setup(&d)) {
		transport_close(&d.tr);
		creds_free_all(d.creds, d.conf->n_conns);
		conf_free(d.conf);
		return 1;
	}
	log_info("listening on UDP %u and %u, %zu connections%s",
		 d.tr.ike_port, d.tr.natt_port, d.conf->n_conns,
		 d.kernel ? "" : " (no kernel: nothing is installed)");
	start_conns(&d);
	loop(&d, sigfd);
	shutdown_sas(&d);
	ctl_server_close(d.ctl);
	transport_close(&d.tr);
	if (d.kernel)
		nl_close(&d.xfrm);
	if (d.xfrm_ev.sk)
		nl_close(&d.xfrm_ev);
	creds_free_all(d.creds, d.conf->n_conns);
	conf_free(d.conf);
	cookie_wipe(&d.cookies);
	return 0;
}

// SPDX-License-Identifier: GPL-2.0
/* __skb_recv_datagram(sk, queue, flags, off, err) */
#include <linux/skbuff.h>

struct sk_buff *(*probe_recv)(struct sock *, struct sk_buff_head *,
			      unsigned int, int *, int *) = __skb_recv_datagram;

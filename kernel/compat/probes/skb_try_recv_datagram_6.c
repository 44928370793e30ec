// SPDX-License-Identifier: GPL-2.0
/* __skb_try_recv_datagram(sk, queue, flags, off, err, last) */
#include <linux/skbuff.h>

struct sk_buff *(*probe_try_recv)(struct sock *, struct sk_buff_head *,
				  unsigned int, int *, int *,
				  struct sk_buff **) = __skb_try_recv_datagram;

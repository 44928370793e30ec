/* SPDX-License-Identifier: GPL-2.0 */
#ifndef IPSECME_VERSION_H
#define IPSECME_VERSION_H

#define IPSECME_VERSION "0.1.0"

#endif /* IPSECME_VERSION_H */

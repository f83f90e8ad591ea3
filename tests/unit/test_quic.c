/* test_quic.c - dissect/quic_crypto.c and dissect/quic.c: the Initial keys,
 * header protection and packet protection against the test vectors of RFC
 * 9001 Appendix A (version 1) and RFC 9369 Appendix A (version 2); then the
 * connection as the flow table feeds it, a datagram at a time: the RFC's
 * client and server Initials, a ClientHello split over packets and frames in
 * any order, repeated, coalesced, a Retry, Version Negotiation, a
 * CONNECTION_CLOSE carrying a TLS alert, the outcome, and every strict
 * prefix of a datagram in an exact-size heap buffer.
 *
 * Packets other than the RFC's are sealed with quic_protect, itself checked
 * to give the RFC's packets byte for byte.
 */
#include "test_util.h"

#include <stdio.h>

#include "dissect/quic.h"

/* RFC 9001 A.2: the client's protected Initial (1200 bytes), DCID 8394c8f03e515708, packet number 2 */
static const uint8_t rfc9001_client_initial[] = {
    0xc0, 0x00, 0x00, 0x00, 0x01, 0x08, 0x83, 0x94, 0xc8, 0xf0, 0x3e, 0x51, 0x57, 0x08, 0x00, 0x00,
    0x44, 0x9e, 0x7b, 0x9a, 0xec, 0x34, 0xd1, 0xb1, 0xc9, 0x8d, 0xd7, 0x68, 0x9f, 0xb8, 0xec, 0x11,
    0xd2, 0x42, 0xb1, 0x23, 0xdc, 0x9b, 0xd8, 0xba, 0xb9, 0x36, 0xb4, 0x7d, 0x92, 0xec, 0x35, 0x6c,
    0x0b, 0xab, 0x7d, 0xf5, 0x97, 0x6d, 0x27, 0xcd, 0x44, 0x9f, 0x63, 0x30, 0x00, 0x99, 0xf3, 0x99,
    0x1c, 0x26, 0x0e, 0xc4, 0xc6, 0x0d, 0x17, 0xb3, 0x1f, 0x84, 0x29, 0x15, 0x7b, 0xb3, 0x5a, 0x12,
    0x82, 0xa6, 0x43, 0xa8, 0xd2, 0x26, 0x2c, 0xad, 0x67, 0x50, 0x0c, 0xad, 0xb8, 0xe7, 0x37, 0x8c,
    0x8e, 0xb7, 0x53, 0x9e, 0xc4, 0xd4, 0x90, 0x5f, 0xed, 0x1b, 0xee, 0x1f, 0xc8, 0xaa, 0xfb, 0xa1,
    0x7c, 0x75, 0x0e, 0x2c, 0x7a, 0xce, 0x01, 0xe6, 0x00, 0x5f, 0x80, 0xfc, 0xb7, 0xdf, 0x62, 0x12,
    0x30, 0xc8, 0x37, 0x11, 0xb3, 0x93, 0x43, 0xfa, 0x02, 0x8c, 0xea, 0x7f, 0x7f, 0xb5, 0xff, 0x89,
    0xea, 0xc2, 0x30, 0x82, 0x49, 0xa0, 0x22, 0x52, 0x15, 0x5e, 0x23, 0x47, 0xb6, 0x3d, 0x58, 0xc5,
    0x45, 0x7a, 0xfd, 0x84, 0xd0, 0x5d, 0xff, 0xfd, 0xb2, 0x03, 0x92, 0x84, 0x4a, 0xe8, 0x12, 0x15,
    0x46, 0x82, 0xe9, 0xcf, 0x01, 0x2f, 0x90, 0x21, 0xa6, 0xf0, 0xbe, 0x17, 0xdd, 0xd0, 0xc2, 0x08,
    0x4d, 0xce, 0x25, 0xff, 0x9b, 0x06, 0xcd, 0xe5, 0x35, 0xd0, 0xf9, 0x20, 0xa2, 0xdb, 0x1b, 0xf3,
    0x62, 0xc2, 0x3e, 0x59, 0x6d, 0x11, 0xa4, 0xf5, 0xa6, 0xcf, 0x39, 0x48, 0x83, 0x8a, 0x3a, 0xec,
    0x4e, 0x15, 0xda, 0xf8, 0x50, 0x0a, 0x6e, 0xf6, 0x9e, 0xc4, 0xe3, 0xfe, 0xb6, 0xb1, 0xd9, 0x8e,
    0x61, 0x0a, 0xc8, 0xb7, 0xec, 0x3f, 0xaf, 0x6a, 0xd7, 0x60, 0xb7, 0xba, 0xd1, 0xdb, 0x4b, 0xa3,
    0x48, 0x5e, 0x8a, 0x94, 0xdc, 0x25, 0x0a, 0xe3, 0xfd, 0xb4, 0x1e, 0xd1, 0x5f, 0xb6, 0xa8, 0xe5,
    0xeb, 0xa0, 0xfc, 0x3d, 0xd6, 0x0b, 0xc8, 0xe3, 0x0c, 0x5c, 0x42, 0x87, 0xe5, 0x38, 0x05, 0xdb,
    0x05, 0x9a, 0xe0, 0x64, 0x8d, 0xb2, 0xf6, 0x42, 0x64, 0xed, 0x5e, 0x39, 0xbe, 0x2e, 0x20, 0xd8,
    0x2d, 0xf5, 0x66, 0xda, 0x8d, 0xd5, 0x99, 0x8c, 0xca, 0xbd, 0xae, 0x05, 0x30, 0x60, 0xae, 0x6c,
    0x7b, 0x43, 0x78, 0xe8, 0x46, 0xd2, 0x9f, 0x37, 0xed, 0x7b, 0x4e, 0xa9, 0xec, 0x5d, 0x82, 0xe7,
    0x96, 0x1b, 0x7f, 0x25, 0xa9, 0x32, 0x38, 0x51, 0xf6, 0x81, 0xd5, 0x82, 0x36, 0x3a, 0xa5, 0xf8,
    0x99, 0x37, 0xf5, 0xa6, 0x72, 0x58, 0xbf, 0x63, 0xad, 0x6f, 0x1a, 0x0b, 0x1d, 0x96, 0xdb, 0xd4,
    0xfa, 0xdd, 0xfc, 0xef, 0xc5, 0x26, 0x6b, 0xa6, 0x61, 0x17, 0x22, 0x39, 0x5c, 0x90, 0x65, 0x56,
    0xbe, 0x52, 0xaf, 0xe3, 0xf5, 0x65, 0x63, 0x6a, 0xd1, 0xb1, 0x7d, 0x50, 0x8b, 0x73, 0xd8, 0x74,
    0x3e, 0xeb, 0x52, 0x4b, 0xe2, 0x2b, 0x3d, 0xcb, 0xc2, 0xc7, 0x46, 0x8d, 0x54, 0x11, 0x9c, 0x74,
    0x68, 0x44, 0x9a, 0x13, 0xd8, 0xe3, 0xb9, 0x58, 0x11, 0xa1, 0x98, 0xf3, 0x49, 0x1d, 0xe3, 0xe7,
    0xfe, 0x94, 0x2b, 0x33, 0x04, 0x07, 0xab, 0xf8, 0x2a, 0x4e, 0xd7, 0xc1, 0xb3, 0x11, 0x66, 0x3a,
    0xc6, 0x98, 0x90, 0xf4, 0x15, 0x70, 0x15, 0x85, 0x3d, 0x91, 0xe9, 0x23, 0x03, 0x7c, 0x22, 0x7a,
    0x33, 0xcd, 0xd5, 0xec, 0x28, 0x1c, 0xa3, 0xf7, 0x9c, 0x44, 0x54, 0x6b, 0x9d, 0x90, 0xca, 0x00,
    0xf0, 0x64, 0xc9, 0x9e, 0x3d, 0xd9, 0x79, 0x11, 0xd3, 0x9f, 0xe9, 0xc5, 0xd0, 0xb2, 0x3a, 0x22,
    0x9a, 0x23, 0x4c, 0xb3, 0x61, 0x86, 0xc4, 0x81, 0x9e, 0x8b, 0x9c, 0x59, 0x27, 0x72, 0x66, 0x32,
    0x29, 0x1d, 0x6a, 0x41, 0x82, 0x11, 0xcc, 0x29, 0x62, 0xe2, 0x0f, 0xe4, 0x7f, 0xeb, 0x3e, 0xdf,
    0x33, 0x0f, 0x2c, 0x60, 0x3a, 0x9d, 0x48, 0xc0, 0xfc, 0xb5, 0x69, 0x9d, 0xbf, 0xe5, 0x89, 0x64,
    0x25, 0xc5, 0xba, 0xc4, 0xae, 0xe8, 0x2e, 0x57, 0xa8, 0x5a, 0xaf, 0x4e, 0x25, 0x13, 0xe4, 0xf0,
    0x57, 0x96, 0xb0, 0x7b, 0xa2, 0xee, 0x47, 0xd8, 0x05, 0x06, 0xf8, 0xd2, 0xc2, 0x5e, 0x50, 0xfd,
    0x14, 0xde, 0x71, 0xe6, 0xc4, 0x18, 0x55, 0x93, 0x02, 0xf9, 0x39, 0xb0, 0xe1, 0xab, 0xd5, 0x76,
    0xf2, 0x79, 0xc4, 0xb2, 0xe0, 0xfe, 0xb8, 0x5c, 0x1f, 0x28, 0xff, 0x18, 0xf5, 0x88, 0x91, 0xff,
    0xef, 0x13, 0x2e, 0xef, 0x2f, 0xa0, 0x93, 0x46, 0xae, 0xe3, 0x3c, 0x28, 0xeb, 0x13, 0x0f, 0xf2,
    0x8f, 0x5b, 0x76, 0x69, 0x53, 0x33, 0x41, 0x13, 0x21, 0x19, 0x96, 0xd2, 0x00, 0x11, 0xa1, 0x98,
    0xe3, 0xfc, 0x43, 0x3f, 0x9f, 0x25, 0x41, 0x01, 0x0a, 0xe1, 0x7c, 0x1b, 0xf2, 0x02, 0x58, 0x0f,
    0x60, 0x47, 0x47, 0x2f, 0xb3, 0x68, 0x57, 0xfe, 0x84, 0x3b, 0x19, 0xf5, 0x98, 0x40, 0x09, 0xdd,
    0xc3, 0x24, 0x04, 0x4e, 0x84, 0x7a, 0x4f, 0x4a, 0x0a, 0xb3, 0x4f, 0x71, 0x95, 0x95, 0xde, 0x37,
    0x25, 0x2d, 0x62, 0x35, 0x36, 0x5e, 0x9b, 0x84, 0x39, 0x2b, 0x06, 0x10, 0x85, 0x34, 0x9d, 0x73,
    0x20, 0x3a, 0x4a, 0x13, 0xe9, 0x6f, 0x54, 0x32, 0xec, 0x0f, 0xd4, 0xa1, 0xee, 0x65, 0xac, 0xcd,
    0xd5, 0xe3, 0x90, 0x4d, 0xf5, 0x4c, 0x1d, 0xa5, 0x10, 0xb0, 0xff, 0x20, 0xdc, 0xc0, 0xc7, 0x7f,
    0xcb, 0x2c, 0x0e, 0x0e, 0xb6, 0x05, 0xcb, 0x05, 0x04, 0xdb, 0x87, 0x63, 0x2c, 0xf3, 0xd8, 0xb4,
    0xda, 0xe6, 0xe7, 0x05, 0x76, 0x9d, 0x1d, 0xe3, 0x54, 0x27, 0x01, 0x23, 0xcb, 0x11, 0x45, 0x0e,
    0xfc, 0x60, 0xac, 0x47, 0x68, 0x3d, 0x7b, 0x8d, 0x0f, 0x81, 0x13, 0x65, 0x56, 0x5f, 0xd9, 0x8c,
    0x4c, 0x8e, 0xb9, 0x36, 0xbc, 0xab, 0x8d, 0x06, 0x9f, 0xc3, 0x3b, 0xd8, 0x01, 0xb0, 0x3a, 0xde,
    0xa2, 0xe1, 0xfb, 0xc5, 0xaa, 0x46, 0x3d, 0x08, 0xca, 0x19, 0x89, 0x6d, 0x2b, 0xf5, 0x9a, 0x07,
    0x1b, 0x85, 0x1e, 0x6c, 0x23, 0x90, 0x52, 0x17, 0x2f, 0x29, 0x6b, 0xfb, 0x5e, 0x72, 0x40, 0x47,
    0x90, 0xa2, 0x18, 0x10, 0x14, 0xf3, 0xb9, 0x4a, 0x4e, 0x97, 0xd1, 0x17, 0xb4, 0x38, 0x13, 0x03,
    0x68, 0xcc, 0x39, 0xdb, 0xb2, 0xd1, 0x98, 0x06, 0x5a, 0xe3, 0x98, 0x65, 0x47, 0x92, 0x6c, 0xd2,
    0x16, 0x2f, 0x40, 0xa2, 0x9f, 0x0c, 0x3c, 0x87, 0x45, 0xc0, 0xf5, 0x0f, 0xba, 0x38, 0x52, 0xe5,
    0x66, 0xd4, 0x45, 0x75, 0xc2, 0x9d, 0x39, 0xa0, 0x3f, 0x0c, 0xda, 0x72, 0x19, 0x84, 0xb6, 0xf4,
    0x40, 0x59, 0x1f, 0x35, 0x5e, 0x12, 0xd4, 0x39, 0xff, 0x15, 0x0a, 0xab, 0x76, 0x13, 0x49, 0x9d,
    0xbd, 0x49, 0xad, 0xab, 0xc8, 0x67, 0x6e, 0xef, 0x02, 0x3b, 0x15, 0xb6, 0x5b, 0xfc, 0x5c, 0xa0,
    0x69, 0x48, 0x10, 0x9f, 0x23, 0xf3, 0x50, 0xdb, 0x82, 0x12, 0x35, 0x35, 0xeb, 0x8a, 0x74, 0x33,
    0xbd, 0xab, 0xcb, 0x90, 0x92, 0x71, 0xa6, 0xec, 0xbc, 0xb5, 0x8b, 0x93, 0x6a, 0x88, 0xcd, 0x4e,
    0x8f, 0x2e, 0x6f, 0xf5, 0x80, 0x01, 0x75, 0xf1, 0x13, 0x25, 0x3d, 0x8f, 0xa9, 0xca, 0x88, 0x85,
    0xc2, 0xf5, 0x52, 0xe6, 0x57, 0xdc, 0x60, 0x3f, 0x25, 0x2e, 0x1a, 0x8e, 0x30, 0x8f, 0x76, 0xf0,
    0xbe, 0x79, 0xe2, 0xfb, 0x8f, 0x5d, 0x5f, 0xbb, 0xe2, 0xe3, 0x0e, 0xca, 0xdd, 0x22, 0x07, 0x23,
    0xc8, 0xc0, 0xae, 0xa8, 0x07, 0x8c, 0xdf, 0xcb, 0x38, 0x68, 0x26, 0x3f, 0xf8, 0xf0, 0x94, 0x00,
    0x54, 0xda, 0x48, 0x78, 0x18, 0x93, 0xa7, 0xe4, 0x9a, 0xd5, 0xaf, 0xf4, 0xaf, 0x30, 0x0c, 0xd8,
    0x04, 0xa6, 0xb6, 0x27, 0x9a, 0xb3, 0xff, 0x3a, 0xfb, 0x64, 0x49, 0x1c, 0x85, 0x19, 0x4a, 0xab,
    0x76, 0x0d, 0x58, 0xa6, 0x06, 0x65, 0x4f, 0x9f, 0x44, 0x00, 0xe8, 0xb3, 0x85, 0x91, 0x35, 0x6f,
    0xbf, 0x64, 0x25, 0xac, 0xa2, 0x6d, 0xc8, 0x52, 0x44, 0x25, 0x9f, 0xf2, 0xb1, 0x9c, 0x41, 0xb9,
    0xf9, 0x6f, 0x3c, 0xa9, 0xec, 0x1d, 0xde, 0x43, 0x4d, 0xa7, 0xd2, 0xd3, 0x92, 0xb9, 0x05, 0xdd,
    0xf3, 0xd1, 0xf9, 0xaf, 0x93, 0xd1, 0xaf, 0x59, 0x50, 0xbd, 0x49, 0x3f, 0x5a, 0xa7, 0x31, 0xb4,
    0x05, 0x6d, 0xf3, 0x1b, 0xd2, 0x67, 0xb6, 0xb9, 0x0a, 0x07, 0x98, 0x31, 0xaa, 0xf5, 0x79, 0xbe,
    0x0a, 0x39, 0x01, 0x31, 0x37, 0xaa, 0xc6, 0xd4, 0x04, 0xf5, 0x18, 0xcf, 0xd4, 0x68, 0x40, 0x64,
    0x7e, 0x78, 0xbf, 0xe7, 0x06, 0xca, 0x4c, 0xf5, 0xe9, 0xc5, 0x45, 0x3e, 0x9f, 0x7c, 0xfd, 0x2b,
    0x8b, 0x4c, 0x8d, 0x16, 0x9a, 0x44, 0xe5, 0x5c, 0x88, 0xd4, 0xa9, 0xa7, 0xf9, 0x47, 0x42, 0x41,
    0xe2, 0x21, 0xaf, 0x44, 0x86, 0x00, 0x18, 0xab, 0x08, 0x56, 0x97, 0x2e, 0x19, 0x4c, 0xd9, 0x34,
};
/* RFC 9001 A.3: the server's protected Initial, SCID f067a5502a4262b5, packet number 1 */
static const uint8_t rfc9001_server_initial[] = {
    0xcf, 0x00, 0x00, 0x00, 0x01, 0x00, 0x08, 0xf0, 0x67, 0xa5, 0x50, 0x2a, 0x42, 0x62, 0xb5, 0x00,
    0x40, 0x75, 0xc0, 0xd9, 0x5a, 0x48, 0x2c, 0xd0, 0x99, 0x1c, 0xd2, 0x5b, 0x0a, 0xac, 0x40, 0x6a,
    0x58, 0x16, 0xb6, 0x39, 0x41, 0x00, 0xf3, 0x7a, 0x1c, 0x69, 0x79, 0x75, 0x54, 0x78, 0x0b, 0xb3,
    0x8c, 0xc5, 0xa9, 0x9f, 0x5e, 0xde, 0x4c, 0xf7, 0x3c, 0x3e, 0xc2, 0x49, 0x3a, 0x18, 0x39, 0xb3,
    0xdb, 0xcb, 0xa3, 0xf6, 0xea, 0x46, 0xc5, 0xb7, 0x68, 0x4d, 0xf3, 0x54, 0x8e, 0x7d, 0xde, 0xb9,
    0xc3, 0xbf, 0x9c, 0x73, 0xcc, 0x3f, 0x3b, 0xde, 0xd7, 0x4b, 0x56, 0x2b, 0xfb, 0x19, 0xfb, 0x84,
    0x02, 0x2f, 0x8e, 0xf4, 0xcd, 0xd9, 0x37, 0x95, 0xd7, 0x7d, 0x06, 0xed, 0xbb, 0x7a, 0xaf, 0x2f,
    0x58, 0x89, 0x18, 0x50, 0xab, 0xbd, 0xca, 0x3d, 0x20, 0x39, 0x8c, 0x27, 0x64, 0x56, 0xcb, 0xc4,
    0x21, 0x58, 0x40, 0x7d, 0xd0, 0x74, 0xee,
};
/* RFC 9369 A.3: the same server Initial protected as QUIC version 2 */
static const uint8_t rfc9369_server_initial[] = {
    0xdc, 0x6b, 0x33, 0x43, 0xcf, 0x00, 0x08, 0xf0, 0x67, 0xa5, 0x50, 0x2a, 0x42, 0x62, 0xb5, 0x00,
    0x40, 0x75, 0xd9, 0x2f, 0xaa, 0xf1, 0x6f, 0x05, 0xd8, 0xa4, 0x39, 0x8c, 0x47, 0x08, 0x96, 0x98,
    0xba, 0xee, 0xa2, 0x6b, 0x91, 0xeb, 0x76, 0x1d, 0x9b, 0x89, 0x23, 0x7b, 0xbf, 0x87, 0x26, 0x30,
    0x17, 0x91, 0x53, 0x58, 0x23, 0x00, 0x35, 0xf7, 0xfd, 0x39, 0x45, 0xd8, 0x89, 0x65, 0xcf, 0x17,
    0xf9, 0xaf, 0x6e, 0x16, 0x88, 0x6c, 0x61, 0xbf, 0xc7, 0x03, 0x10, 0x6f, 0xba, 0xf3, 0xcb, 0x4c,
    0xfa, 0x52, 0x38, 0x2d, 0xd1, 0x6a, 0x39, 0x3e, 0x42, 0x75, 0x75, 0x07, 0x69, 0x80, 0x75, 0xb2,
    0xc9, 0x84, 0xc7, 0x07, 0xf0, 0xa0, 0x81, 0x2d, 0x8c, 0xd5, 0xa6, 0x88, 0x1e, 0xaf, 0x21, 0xce,
    0xda, 0x98, 0xf4, 0xbd, 0x23, 0xf6, 0xfe, 0x1a, 0x3e, 0x2c, 0x43, 0xed, 0xd9, 0xce, 0x7c, 0xa8,
    0x4b, 0xed, 0x85, 0x21, 0xe2, 0xe1, 0x40,
};
/* RFC 9001 A.3: its payload: ACK, then CRYPTO carrying the ServerHello */
static const uint8_t rfc9001_server_plaintext[] = {
    0x02, 0x00, 0x00, 0x00, 0x00, 0x06, 0x00, 0x40, 0x5a, 0x02, 0x00, 0x00, 0x56, 0x03, 0x03, 0xee,
    0xfc, 0xe7, 0xf7, 0xb3, 0x7b, 0xa1, 0xd1, 0x63, 0x2e, 0x96, 0x67, 0x78, 0x25, 0xdd, 0xf7, 0x39,
    0x88, 0xcf, 0xc7, 0x98, 0x25, 0xdf, 0x56, 0x6d, 0xc5, 0x43, 0x0b, 0x9a, 0x04, 0x5a, 0x12, 0x00,
    0x13, 0x01, 0x00, 0x00, 0x2e, 0x00, 0x33, 0x00, 0x24, 0x00, 0x1d, 0x00, 0x20, 0x9d, 0x3c, 0x94,
    0x0d, 0x89, 0x69, 0x0b, 0x84, 0xd0, 0x8a, 0x60, 0x99, 0x3c, 0x14, 0x4e, 0xca, 0x68, 0x4d, 0x10,
    0x81, 0x28, 0x7c, 0x83, 0x4d, 0x53, 0x11, 0xbc, 0xf3, 0x2b, 0xb9, 0xda, 0x1a, 0x00, 0x2b, 0x00,
    0x02, 0x03, 0x04,
};
/* RFC 9001 A.2: the ClientHello the client Initial carries (its CRYPTO data, 241 bytes) */
static const uint8_t rfc9001_client_hello[] = {
    0x01, 0x00, 0x00, 0xed, 0x03, 0x03, 0xeb, 0xf8, 0xfa, 0x56, 0xf1, 0x29, 0x39, 0xb9, 0x58, 0x4a,
    0x38, 0x96, 0x47, 0x2e, 0xc4, 0x0b, 0xb8, 0x63, 0xcf, 0xd3, 0xe8, 0x68, 0x04, 0xfe, 0x3a, 0x47,
    0xf0, 0x6a, 0x2b, 0x69, 0x48, 0x4c, 0x00, 0x00, 0x04, 0x13, 0x01, 0x13, 0x02, 0x01, 0x00, 0x00,
    0xc0, 0x00, 0x00, 0x00, 0x10, 0x00, 0x0e, 0x00, 0x00, 0x0b, 0x65, 0x78, 0x61, 0x6d, 0x70, 0x6c,
    0x65, 0x2e, 0x63, 0x6f, 0x6d, 0xff, 0x01, 0x00, 0x01, 0x00, 0x00, 0x0a, 0x00, 0x08, 0x00, 0x06,
    0x00, 0x1d, 0x00, 0x17, 0x00, 0x18, 0x00, 0x10, 0x00, 0x07, 0x00, 0x05, 0x04, 0x61, 0x6c, 0x70,
    0x6e, 0x00, 0x05, 0x00, 0x05, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x33, 0x00, 0x26, 0x00, 0x24,
    0x00, 0x1d, 0x00, 0x20, 0x93, 0x70, 0xb2, 0xc9, 0xca, 0xa4, 0x7f, 0xba, 0xba, 0xf4, 0x55, 0x9f,
    0xed, 0xba, 0x75, 0x3d, 0xe1, 0x71, 0xfa, 0x71, 0xf5, 0x0f, 0x1c, 0xe1, 0x5d, 0x43, 0xe9, 0x94,
    0xec, 0x74, 0xd7, 0x48, 0x00, 0x2b, 0x00, 0x03, 0x02, 0x03, 0x04, 0x00, 0x0d, 0x00, 0x10, 0x00,
    0x0e, 0x04, 0x03, 0x05, 0x03, 0x06, 0x03, 0x02, 0x03, 0x08, 0x04, 0x08, 0x05, 0x08, 0x06, 0x00,
    0x2d, 0x00, 0x02, 0x01, 0x01, 0x00, 0x1c, 0x00, 0x02, 0x40, 0x01, 0x00, 0x39, 0x00, 0x32, 0x04,
    0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x05, 0x04, 0x80, 0x00, 0xff, 0xff, 0x07,
    0x04, 0x80, 0x00, 0xff, 0xff, 0x08, 0x01, 0x10, 0x01, 0x04, 0x80, 0x00, 0x75, 0x30, 0x09, 0x01,
    0x10, 0x0f, 0x08, 0x83, 0x94, 0xc8, 0xf0, 0x3e, 0x51, 0x57, 0x08, 0x06, 0x04, 0x80, 0x00, 0xff,
    0xff,
};

static const uint8_t rfc_dcid[] = { 0x83, 0x94, 0xc8, 0xf0, 0x3e, 0x51, 0x57, 0x08 };

static void from_hex(const char *hex, uint8_t *out, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned v = 0;
        assert_int_equal(sscanf(hex + 2 * i, "%2x", &v), 1);
        out[i] = (uint8_t)v;
    }
}

static void expect_hex(const uint8_t *got, size_t n, const char *hex)
{
    uint8_t want[64];
    assert_true(n <= sizeof want && strlen(hex) == 2 * n);
    from_hex(hex, want, n);
    assert_memory_equal(got, want, n);
}

/* ---- keys and protection (RFC 9001 A.1, RFC 9369 A.1) -------------------- */

static void test_initial_keys_v1(void **state)
{
    (void)state;
    struct quic_keys c, s;
    assert_true(quic_initial_keys(1, span_make(rfc_dcid, sizeof rfc_dcid), &c, &s));
    expect_hex(c.secret, 32, "c00cf151ca5be075ed0ebfb5c80323c42d6b7db67881289af4008f1f6c357aea");
    expect_hex(c.key, 16, "1f369613dd76d5467730efcbe3b1a22d");
    expect_hex(c.iv, 12, "fa044b2f42a3fd3b46fb255c");
    expect_hex(c.hp, 16, "9f50449e04a0e810283a1e9933adedd2");
    expect_hex(s.secret, 32, "3c199828fd139efd216c155ad844cc81fb82fa8d7446fa7d78be803acdda951b");
    expect_hex(s.key, 16, "cf3a5331653c364c88f0f379b6067e37");
    expect_hex(s.iv, 12, "0ac1493ca1905853b0bba03e");
    expect_hex(s.hp, 16, "c206b8d9b9f0f37644430b490eeaa314");
}

static void test_initial_keys_v2(void **state)
{
    (void)state;
    struct quic_keys c, s;
    assert_true(quic_initial_keys(0x6b3343cf, span_make(rfc_dcid, sizeof rfc_dcid), &c, &s));
    expect_hex(c.secret, 32, "14ec9d6eb9fd7af83bf5a668bc17a7e283766aade7ecd0891f70f9ff7f4bf47b");
    expect_hex(c.key, 16, "8b1a0bc121284290a29e0971b5cd045d");
    expect_hex(c.iv, 12, "91f73e2351d8fa91660e909f");
    expect_hex(c.hp, 16, "45b95e15235d6f45a6b19cbcb0294ba9");
    expect_hex(s.secret, 32, "0263db1782731bf4588e7e4d93b7463907cb8cd8200b5da55a8bd488eafc37c1");
    expect_hex(s.key, 16, "82db637861d55e1d011f19ea71d5d2a7");
    expect_hex(s.iv, 12, "dd13c276499c0249d3310652");
    expect_hex(s.hp, 16, "edf6d05c83121201b436e16877593c3a");
}

static void test_versions(void **state)
{
    (void)state;
    struct quic_keys c, s;
    static const uint32_t known[] = { 1, 0x6b3343cf, 0xff00001d, 0xff000017, 0xff000022, 0xff000016,
                                      0xfaceb001, 0xfaceb002, 0x54303530, 0x54303531 };
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
        assert_true(quic_version_known(known[i]));
    static const uint32_t unknown[] = { 0, 2, 0xff000015, 0xff000023, 0x51303530, 0x1a2a3a4a, 0x12345678 };
    for (size_t i = 0; i < sizeof unknown / sizeof unknown[0]; i++) {
        assert_false(quic_version_known(unknown[i]));
        assert_false(quic_initial_keys(unknown[i], span_make(rfc_dcid, sizeof rfc_dcid), &c, &s));
    }
    /* A connection ID longer than 20 bytes is not version 1's. */
    uint8_t long_cid[21] = { 0 };
    assert_false(quic_initial_keys(1, span_make(long_cid, sizeof long_cid), &c, &s));
    /* Drafts 29-32 share a salt other than version 1's: other keys. */
    struct quic_keys c29, s29;
    assert_true(quic_initial_keys(0xff00001d, span_make(rfc_dcid, sizeof rfc_dcid), &c29, &s29));
    assert_true(quic_initial_keys(1, span_make(rfc_dcid, sizeof rfc_dcid), &c, &s));
    assert_memory_not_equal(c29.key, c.key, QUIC_KEY_LEN);
}

/* RFC 9001 A.2/A.3: the header protection masks from each packet's sample. */
static void test_hp_masks(void **state)
{
    (void)state;
    struct quic_keys c, s;
    assert_true(quic_initial_keys(1, span_make(rfc_dcid, sizeof rfc_dcid), &c, &s));
    uint8_t mask[5];
    assert_true(quic_hp_mask(&c, rfc9001_client_initial + 18 + 4, mask));
    expect_hex(mask, 5, "437b9aec36");
    assert_true(quic_hp_mask(&s, rfc9001_server_initial + 18 + 4, mask));
    expect_hex(mask, 5, "2ec0d8356a");
}

/* Both servers' Initials (v1, v2) open to the RFC's plaintext, packet
 * number 1; the client's to its CRYPTO frame and 917 bytes of PADDING. */
static void test_unprotect_rfc_packets(void **state)
{
    (void)state;
    static uint8_t out[QUIC_MAX_PLAINTEXT];
    size_t n = 0;
    struct quic_keys c, s;
    int64_t largest = -1;
    assert_true(quic_initial_keys(1, span_make(rfc_dcid, sizeof rfc_dcid), &c, &s));
    /* header: first byte, version, DCID length 0, SCID length 8 + 8, token length, length (2) */
    assert_true(quic_unprotect(&s, &largest, span_make(rfc9001_server_initial, sizeof rfc9001_server_initial), 18,
                               out, &n));
    assert_int_equal(largest, 1);
    assert_int_equal(n, sizeof rfc9001_server_plaintext);
    assert_memory_equal(out, rfc9001_server_plaintext, n);

    largest = -1;
    assert_true(quic_unprotect(&c, &largest, span_make(rfc9001_client_initial, sizeof rfc9001_client_initial), 18,
                               out, &n));
    assert_int_equal(largest, 2);
    assert_int_equal(n, 1162);
    assert_memory_equal(out, "\x06\x00\x40\xf1", 4); /* CRYPTO, offset 0, length 241 */
    assert_memory_equal(out + 4, rfc9001_client_hello, sizeof rfc9001_client_hello);
    for (size_t i = 4 + sizeof rfc9001_client_hello; i < n; i++)
        assert_int_equal(out[i], 0);

    struct quic_keys c2, s2;
    largest = -1;
    assert_true(quic_initial_keys(0x6b3343cf, span_make(rfc_dcid, sizeof rfc_dcid), &c2, &s2));
    assert_true(quic_unprotect(&s2, &largest, span_make(rfc9369_server_initial, sizeof rfc9369_server_initial), 18,
                               out, &n));
    assert_int_equal(largest, 1);
    assert_int_equal(n, sizeof rfc9001_server_plaintext);
    assert_memory_equal(out, rfc9001_server_plaintext, n);

    /* The wrong direction's keys, a flipped ciphertext bit, a flipped
     * header bit (covered only as associated data): none opens. */
    largest = -1;
    assert_false(quic_unprotect(&c, &largest, span_make(rfc9001_server_initial, sizeof rfc9001_server_initial), 18,
                                out, &n));
    uint8_t *p = test_exact_copy(rfc9001_server_initial, sizeof rfc9001_server_initial);
    p[100] ^= 1;
    assert_false(quic_unprotect(&s, &largest, span_make(p, sizeof rfc9001_server_initial), 18, out, &n));
    p[100] ^= 1;
    p[7] ^= 1;
    assert_false(quic_unprotect(&s, &largest, span_make(p, sizeof rfc9001_server_initial), 18, out, &n));
    assert_int_equal(largest, -1);
    free(p);
}

/* Sealing the RFC's plaintexts with the RFC's unprotected headers gives the
 * RFC's protected packets byte for byte (what the tests below build their
 * packets with). */
static void test_protect_rfc_packets(void **state)
{
    (void)state;
    struct quic_keys c, s;
    assert_true(quic_initial_keys(1, span_make(rfc_dcid, sizeof rfc_dcid), &c, &s));
    static uint8_t plain[1162], out[1300];
    memcpy(plain, "\x06\x00\x40\xf1", 4);
    memcpy(plain + 4, rfc9001_client_hello, sizeof rfc9001_client_hello);
    uint8_t header[22];
    from_hex("c300000001088394c8f03e5157080000449e00000002", header, sizeof header);
    assert_int_equal(quic_protect(&c, 2, header, sizeof header, plain, sizeof plain, out), 1200);
    assert_memory_equal(out, rfc9001_client_initial, 1200);
    uint8_t sheader[20];
    from_hex("c1000000010008f067a5502a4262b50040750001", sheader, sizeof sheader);
    assert_int_equal(quic_protect(&s, 1, sheader, sizeof sheader, rfc9001_server_plaintext,
                                  sizeof rfc9001_server_plaintext, out), sizeof rfc9001_server_initial);
    assert_memory_equal(out, rfc9001_server_initial, sizeof rfc9001_server_initial);
    struct quic_keys c2, s2;
    assert_true(quic_initial_keys(0x6b3343cf, span_make(rfc_dcid, sizeof rfc_dcid), &c2, &s2));
    from_hex("d16b3343cf0008f067a5502a4262b50040750001", sheader, sizeof sheader);
    assert_int_equal(quic_protect(&s2, 1, sheader, sizeof sheader, rfc9001_server_plaintext,
                                  sizeof rfc9001_server_plaintext, out), sizeof rfc9369_server_initial);
    assert_memory_equal(out, rfc9369_server_initial, sizeof rfc9369_server_initial);
}

/* ---- sealing test packets ------------------------------------------------------ */

enum { PKT_MAX = 1500 };

/* A long-header packet of `version` with `type_bits` (the first byte's two
 * type bits), DCID/SCID, a token length field for Initials, a 2-byte length,
 * a 4-byte packet number, `payload` sealed with `k` (AES-128-GCM) and header
 * protection applied, written to out; returns its length. */
static size_t seal(uint8_t *out, uint32_t version, unsigned type_bits, const struct quic_keys *k,
                   const uint8_t *dcid, size_t dcid_len, uint32_t pn, const uint8_t *payload, size_t plen)
{
    size_t n = 0;
    out[n++] = (uint8_t)(0xc0 | type_bits << 4 | 0x03); /* long header, fixed bit, 4-byte packet number */
    for (int i = 3; i >= 0; i--)
        out[n++] = (uint8_t)(version >> (8 * i));
    out[n++] = (uint8_t)dcid_len;
    if (dcid_len)
        memcpy(out + n, dcid, dcid_len);
    n += dcid_len;
    out[n++] = 0;                                        /* SCID length 0 */
    bool initial = quic_version_is_v2(version) ? type_bits == 1 : type_bits == 0;
    if (initial)
        out[n++] = 0;                                    /* token length 0 */
    size_t length = 4 + plen + 16;
    out[n++] = (uint8_t)(0x40 | length >> 8);            /* 2-byte varint */
    out[n++] = (uint8_t)length;
    for (int i = 3; i >= 0; i--)
        out[n++] = (uint8_t)(pn >> (8 * i));
    uint8_t header[64];
    memcpy(header, out, n);
    size_t total = quic_protect(k, pn, header, n, payload, plen, out);
    assert_int_equal(total, n + plen + 16);
    return total;
}

/* A CRYPTO frame (RFC 9000 19.6) of `len` bytes of `data` at `offset`,
 * offset and length as 2-byte varints; returns its length. */
static size_t crypto_frame(uint8_t *out, size_t offset, const uint8_t *data, size_t len)
{
    out[0] = 0x06;
    out[1] = (uint8_t)(0x40 | offset >> 8);
    out[2] = (uint8_t)offset;
    out[3] = (uint8_t)(0x40 | len >> 8);
    out[4] = (uint8_t)len;
    memcpy(out + 5, data, len);
    return 5 + len;
}

/* ---- the connection --------------------------------------------------------------- */

struct run {
    struct conn_dissector d;
    struct quic_dissector q;
    struct quic_conn *c;
    struct conn_meta meta;
    unsigned emitted;
    struct tls_report last;
    enum conn_reason last_reason;
    unsigned notes[TLS_NOTE_ALERT + 1];
    struct quic_keys keys[2];     /* RFC 9001's, from rfc_dcid */
};

static void emit(void *ctx, const struct conn_meta *m, const struct tls_report *r)
{
    struct run *x = ctx;
    x->emitted++;
    x->last = *r;
    x->last_reason = m->reason;
}

static void note(void *ctx, const struct conn_meta *m, const struct tls_report *r, enum tls_note what)
{
    (void)m;
    (void)r;
    struct run *x = ctx;
    x->notes[what]++;
}

static int setup(void **state)
{
    test_pool_begin();
    struct run *x = calloc(1, sizeof *x);
    assert_non_null(x);
    x->c = calloc(1, sizeof *x->c);
    assert_non_null(x->c);
    x->d.pool = &test_pool;
    x->d.sink.ctx = x;
    x->d.sink.emit = emit;
    x->d.notes.ctx = x;
    x->d.notes.note = note;
    x->q.d = &x->d;
    x->meta.ip_version = 4;
    x->meta.transport = FLOW_TRANSPORT_UDP;
    x->meta.server_port = 443;
    quic_begin(&x->q, x->c);
    assert_true(quic_initial_keys(1, span_make(rfc_dcid, sizeof rfc_dcid), &x->keys[0], &x->keys[1]));
    *state = x;
    return 0;
}

static int teardown(void **state)
{
    struct run *x = *state;
    quic_end(&x->q, x->c);
    free(x->c);
    free(x);
    return test_pool_end() ? 0 : -1;
}

/* One datagram, from an exact-size heap copy freed right after. */
static enum conn_verdict datagram(struct run *x, int dir, const uint8_t *p, size_t n)
{
    uint8_t *b = test_exact_copy(p, n);
    enum conn_verdict v = quic_datagram(&x->q, x->c, &x->meta, dir, span_make(b, n));
    free(b);
    return v;
}

/* A Handshake packet's header with some bytes: only its presence counts. */
static size_t handshake_packet(uint8_t *out)
{
    static const uint8_t hs[] = {
        0xe0, 0x00, 0x00, 0x00, 0x01, /* long header, type Handshake, version 1 */
        0x00, 0x00,                   /* DCID, SCID empty */
        0x14,                         /* length 20 */
        1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20,
    };
    memcpy(out, hs, sizeof hs);
    return sizeof hs;
}

static void expect_rfc_client_hello(const struct tls_client_report *c)
{
    assert_true(c->seen);
    assert_true(c->parsed);
    assert_int_equal(c->legacy_version, 0x0303);
    assert_int_equal(c->record_version, 0); /* QUIC has no records */
    assert_int_equal(c->ciphers.n, 2);
    assert_int_equal(c->ciphers.v[0], 0x1301);
    assert_int_equal(c->ciphers.v[1], 0x1302);
    assert_int_equal(c->sni_len, 11);
    assert_memory_equal(c->sni, "example.com", 11);
    assert_int_equal(c->alpn_count, 1);
    assert_memory_equal(c->alpn, "\x04" "alpn", 5);
    assert_int_equal(c->supported_versions.n, 1);
    assert_int_equal(c->supported_versions.v[0], 0x0304);
    assert_int_equal(c->extensions.n, 11);
    assert_int_equal(c->extensions.v[10], 0x0039); /* quic_transport_parameters */
}

/* RFC 9001's own datagrams: the hello of each side, then Handshake packets
 * both ways decide the handshake established. */
static void test_rfc_connection(void **state)
{
    struct run *x = *state;
    assert_true(quic_sniff(span_make(rfc9001_client_initial, sizeof rfc9001_client_initial)));
    assert_int_equal(datagram(x, DIR_C2S, rfc9001_client_initial, sizeof rfc9001_client_initial), CONN_CONTINUE);
    expect_rfc_client_hello(&x->c->report.client);
    assert_int_equal(x->c->client_hello_version, 1);
    assert_int_equal(x->notes[TLS_NOTE_CLIENT_HELLO], 1);
    assert_int_equal(datagram(x, DIR_S2C, rfc9001_server_initial, sizeof rfc9001_server_initial), CONN_CONTINUE);
    const struct tls_server_report *s = &x->c->report.server;
    assert_true(s->seen && s->parsed);
    assert_int_equal(s->cipher, 0x1301);
    assert_int_equal(s->selected_version, 0x0304);
    assert_int_equal(s->key_share_group, 0x001d);
    assert_int_equal(x->notes[TLS_NOTE_SERVER_HELLO], 1);
    assert_int_equal(x->emitted, 0);

    uint8_t pkt[64];
    size_t n = handshake_packet(pkt);
    assert_int_equal(datagram(x, DIR_S2C, pkt, n), CONN_CONTINUE);
    assert_int_equal(datagram(x, DIR_C2S, pkt, n), CONN_DONE);
    assert_int_equal(x->emitted, 1);
    assert_int_equal(x->last_reason, CONN_REASON_HANDSHAKE_DONE);
    assert_int_equal(x->last.outcome, TLS_OUTCOME_ESTABLISHED);
    assert_true(x->last.established);
    assert_int_equal(x->last.client.quic_version, 1);
    assert_string_equal(x->last.context.protocol, "quic");
    assert_false(x->last.truncated);
    assert_int_equal(x->q.st.decrypted, 2);
    assert_int_equal(x->q.st.undecryptable, 0);
}

/* The hello in three CRYPTO frames over two packets: the second packet
 * (frames 3 and 1, in that order) first, then a retransmission of it, then
 * the first (frame 2). Only then is it whole, and it is parsed once. */
static void test_split_scrambled_repeated(void **state)
{
    struct run *x = *state;
    const uint8_t *h = rfc9001_client_hello;
    size_t a = 50, b = 180, total = sizeof rfc9001_client_hello;
    uint8_t payload[PKT_MAX], dgram1[PKT_MAX], dgram2[PKT_MAX];
    size_t pl = crypto_frame(payload, b, h + b, total - b);
    pl += crypto_frame(payload + pl, 0, h, a);
    memset(payload + pl, 0, 300); /* PADDING */
    pl += 300;
    size_t n2 = seal(dgram2, 1, 0, &x->keys[0], rfc_dcid, sizeof rfc_dcid, 3, payload, pl);
    pl = crypto_frame(payload, a, h + a, b - a);
    payload[pl++] = 0x01; /* PING */
    size_t n1 = seal(dgram1, 1, 0, &x->keys[0], rfc_dcid, sizeof rfc_dcid, 2, payload, pl);

    assert_int_equal(datagram(x, DIR_C2S, dgram2, n2), CONN_CONTINUE);
    assert_true(x->c->report.client.seen); /* its header is there, the hello is not whole */
    assert_false(x->c->report.client.parsed);
    assert_int_equal(datagram(x, DIR_C2S, dgram2, n2), CONN_CONTINUE);
    assert_false(x->c->report.client.parsed);
    assert_int_equal(datagram(x, DIR_C2S, dgram1, n1), CONN_CONTINUE);
    expect_rfc_client_hello(&x->c->report.client);
    assert_int_equal(x->notes[TLS_NOTE_CLIENT_HELLO], 1);
    assert_int_equal(x->q.st.decrypted, 3);
}

/* Two client Initials coalesced in one datagram, each with half the hello,
 * then a short-header packet that ends the datagram. */
static void test_coalesced(void **state)
{
    struct run *x = *state;
    const uint8_t *h = rfc9001_client_hello;
    size_t half = sizeof rfc9001_client_hello / 2;
    uint8_t payload[PKT_MAX], dgram[2 * PKT_MAX];
    size_t pl = crypto_frame(payload, half, h + half, sizeof rfc9001_client_hello - half);
    size_t n = seal(dgram, 1, 0, &x->keys[0], rfc_dcid, sizeof rfc_dcid, 5, payload, pl);
    pl = crypto_frame(payload, 0, h, half);
    n += seal(dgram + n, 1, 0, &x->keys[0], rfc_dcid, sizeof rfc_dcid, 4, payload, pl);
    dgram[n++] = 0x40; /* short header: opaque to the end */
    memset(dgram + n, 0xaa, 30);
    n += 30;
    assert_int_equal(datagram(x, DIR_C2S, dgram, n), CONN_CONTINUE);
    expect_rfc_client_hello(&x->c->report.client);
    assert_int_equal(x->q.st.initials, 2);
}

/* A Retry moves the client to a new DCID: its next Initial, and the
 * server's, use keys from that one. */
static void test_retry(void **state)
{
    struct run *x = *state;
    static const uint8_t retry[] = {
        0xf0, 0x00, 0x00, 0x00, 0x01,                   /* long header, type Retry, version 1 */
        0x00,                                           /* DCID: the client's SCID, empty */
        0x04, 0x0a, 0x0b, 0x0c, 0x0d,                   /* SCID: the new DCID */
        0x74, 0x6f, 0x6b, 0x65, 0x6e,                   /* retry token "token" */
        0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, /* integrity tag (not checked) */
    };
    static const uint8_t new_dcid[] = { 0x0a, 0x0b, 0x0c, 0x0d };
    struct quic_keys k[2];
    assert_true(quic_initial_keys(1, span_make(new_dcid, sizeof new_dcid), &k[0], &k[1]));
    assert_int_equal(datagram(x, DIR_C2S, rfc9001_client_initial, sizeof rfc9001_client_initial), CONN_CONTINUE);
    assert_int_equal(datagram(x, DIR_S2C, retry, sizeof retry), CONN_CONTINUE);
    assert_true(x->c->retry_seen);
    assert_int_equal(x->q.st.retries, 1);

    uint8_t payload[PKT_MAX], dgram[PKT_MAX];
    size_t pl = crypto_frame(payload, 0, rfc9001_client_hello, sizeof rfc9001_client_hello);
    size_t n = seal(dgram, 1, 0, &k[0], new_dcid, sizeof new_dcid, 3, payload, pl);
    assert_int_equal(datagram(x, DIR_C2S, dgram, n), CONN_CONTINUE);
    assert_int_equal(x->q.st.undecryptable, 0);
    /* The server's Initial with the new keys: its ServerHello is read. */
    /* The RFC server payload: ACK (5 bytes), CRYPTO header (4), ServerHello. */
    pl = crypto_frame(payload, 0, rfc9001_server_plaintext + 9, sizeof rfc9001_server_plaintext - 9);
    n = seal(dgram, 1, 0, &k[1], NULL, 0, 0, payload, pl);
    assert_int_equal(datagram(x, DIR_S2C, dgram, n), CONN_CONTINUE);
    assert_true(x->c->report.server.seen);
    assert_int_equal(x->c->report.server.cipher, 0x1301);
    assert_int_equal(x->q.st.undecryptable, 0);
}

/* The server refuses in its Initial: CONNECTION_CLOSE with 0x0128 is the TLS
 * alert handshake_failure (40), fatal, from the server. */
static void test_connection_close_alert(void **state)
{
    struct run *x = *state;
    assert_int_equal(datagram(x, DIR_C2S, rfc9001_client_initial, sizeof rfc9001_client_initial), CONN_CONTINUE);
    static const uint8_t close_frame[] = {
        0x1c,                   /* CONNECTION_CLOSE (transport) */
        0x41, 0x28,             /* error 0x0128: crypto error, alert 40 */
        0x06,                   /* frame type: CRYPTO */
        0x03, 'n', 'o', 'p',    /* reason phrase */
    };
    uint8_t payload[64], dgram[PKT_MAX];
    memcpy(payload, close_frame, sizeof close_frame);
    memset(payload + sizeof close_frame, 0, 20);
    size_t n = seal(dgram, 1, 0, &x->keys[1], NULL, 0, 0, payload, sizeof close_frame + 20);
    assert_int_equal(datagram(x, DIR_S2C, dgram, n), CONN_DONE);
    assert_int_equal(x->emitted, 1);
    assert_int_equal(x->last_reason, CONN_REASON_ALERT);
    assert_int_equal(x->last.outcome, TLS_OUTCOME_ALERT);
    assert_true(x->last.alert.seen);
    assert_int_equal(x->last.alert.level, 2);
    assert_int_equal(x->last.alert.description, 40);
    assert_int_equal(x->last.alert.sender, DIR_S2C);
    assert_int_equal(x->q.st.connection_closes, 1);
}

/* A transport error that is no TLS alert closes nothing early: the line
 * comes when the flow ends, incomplete. */
static void test_connection_close_transport(void **state)
{
    struct run *x = *state;
    assert_int_equal(datagram(x, DIR_C2S, rfc9001_client_initial, sizeof rfc9001_client_initial), CONN_CONTINUE);
    static const uint8_t close_frame[] = { 0x1c, 0x0a, 0x00, 0x00 }; /* PROTOCOL_VIOLATION, no reason */
    uint8_t payload[64], dgram[PKT_MAX];
    memcpy(payload, close_frame, sizeof close_frame);
    memset(payload + sizeof close_frame, 0, 20);
    size_t n = seal(dgram, 1, 0, &x->keys[1], NULL, 0, 0, payload, sizeof close_frame + 20);
    assert_int_equal(datagram(x, DIR_S2C, dgram, n), CONN_CONTINUE);
    assert_false(x->c->report.alert.seen);
    quic_close(&x->q, x->c, &x->meta, CONN_REASON_IDLE_TIMEOUT);
    assert_int_equal(x->emitted, 1);
    assert_int_equal(x->last.outcome, TLS_OUTCOME_INCOMPLETE);
    assert_int_equal(x->last_reason, CONN_REASON_IDLE_TIMEOUT);
}

/* Version Negotiation answering a first Initial with a reserved version
 * (one no server speaks, RFC 9000 15): its versions are taken, the
 * reserved one it lists as well left out; the client gives up, nothing of
 * its Initials is readable, and still the line says what each side spoke. */
static void test_version_negotiation(void **state)
{
    struct run *x = *state;
    static const uint8_t probe[] = {
        0xc0, 0x1a, 0x2a, 0x3a, 0x4a, /* Initial, reserved version 0x1a2a3a4a */
        0x00, 0x00, 0x00, 0x00,       /* DCID, SCID empty, token, length 0 */
    };
    static const uint8_t vn[] = {
        0x80, 0x00, 0x00, 0x00, 0x00, /* long header, version 0 */
        0x00, 0x00,                   /* DCID, SCID empty */
        0x00, 0x00, 0x00, 0x01,       /* supported: 1 */
        0x5a, 0x6a, 0x7a, 0x8a,       /* a reserved one (greasing) */
        0x6b, 0x33, 0x43, 0xcf,       /* and 2 */
    };
    assert_true(quic_sniff(span_make(probe, sizeof probe)));
    assert_int_equal(datagram(x, DIR_C2S, probe, sizeof probe), CONN_CONTINUE);
    assert_int_equal(datagram(x, DIR_S2C, vn, sizeof vn), CONN_CONTINUE);
    assert_true(x->c->version_negotiation_seen);
    assert_int_equal(x->q.st.version_negotiations, 1);
    /* A second one is discarded (RFC 9000 6.2: only the first counts). */
    assert_int_equal(datagram(x, DIR_S2C, vn, sizeof vn), CONN_CONTINUE);
    assert_int_equal(x->q.st.version_negotiations, 1);
    assert_int_equal(x->q.st.version_negotiations_ignored, 1);
    assert_int_equal(x->emitted, 0);
    quic_close(&x->q, x->c, &x->meta, CONN_REASON_END_OF_INPUT);
    assert_int_equal(x->emitted, 1);
    assert_false(x->last.client.seen);
    assert_int_equal(x->last.client.quic_version, 0);
    assert_int_equal(x->last.client.quic_versions_n, 1);
    assert_int_equal(x->last.client.quic_versions[0], 0x1a2a3a4a);
    assert_int_equal(x->last.server.quic_versions_n, 2);
    assert_int_equal(x->last.server.quic_versions[0], 1);
    assert_int_equal(x->last.server.quic_versions[1], 0x6b3343cf);
    assert_false(x->last.server.quic_versions_more);
    assert_int_equal(x->last.outcome, TLS_OUTCOME_INCOMPLETE);
}

/* RFC 9000 6.2: a Version Negotiation listing the version the client chose
 * is discarded (a forged downgrade, or a late packet), as is one whose list
 * is not whole 32-bit versions, or empty. */
static void test_version_negotiation_discarded(void **state)
{
    struct run *x = *state;
    static const uint8_t lists_v1[] = {
        0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* version 0, DCID, SCID empty */
        0x6b, 0x33, 0x43, 0xcf,                   /* 2 */
        0x00, 0x00, 0x00, 0x01,                   /* 1: the client's own */
    };
    static const uint8_t ragged[] = {
        0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x6b, 0x33, 0x43, 0xcf, 0x00, 0x00, /* 2, then two bytes */
    };
    static const uint8_t empty[] = { 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00 };
    assert_int_equal(datagram(x, DIR_C2S, rfc9001_client_initial, sizeof rfc9001_client_initial), CONN_CONTINUE);
    assert_int_equal(datagram(x, DIR_S2C, lists_v1, sizeof lists_v1), CONN_CONTINUE);
    assert_int_equal(datagram(x, DIR_S2C, ragged, sizeof ragged), CONN_CONTINUE);
    assert_int_equal(datagram(x, DIR_S2C, empty, sizeof empty), CONN_CONTINUE);
    assert_false(x->c->version_negotiation_seen);
    assert_int_equal(x->q.st.version_negotiations, 0);
    assert_int_equal(x->q.st.version_negotiations_ignored, 3);
    quic_close(&x->q, x->c, &x->meta, CONN_REASON_END_OF_INPUT);
    assert_int_equal(x->emitted, 1);
    assert_int_equal(x->last.client.quic_version, 1);
    assert_int_equal(x->last.client.quic_versions_n, 0);
    assert_int_equal(x->last.server.quic_versions_n, 0);
}

/* The client's draft-29 hello is refused for version 1; it comes back in
 * version 1 (the same DCID, so new keys only for the new version) and the
 * handshake completes: one line, the hello's version as the client first
 * chose it, both versions the client used, the one the server offered. A
 * Version Negotiation after the server's Initial is discarded. */
static void test_version_negotiation_retried(void **state)
{
    struct run *x = *state;
    static const uint8_t vn[] = {
        0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* version 0, DCID, SCID empty */
        0x00, 0x00, 0x00, 0x01,                   /* 1 */
    };
    struct quic_keys k29[2];
    assert_true(quic_initial_keys(0xff00001d, span_make(rfc_dcid, sizeof rfc_dcid), &k29[0], &k29[1]));
    uint8_t payload[PKT_MAX], dgram[PKT_MAX];
    size_t pl = crypto_frame(payload, 0, rfc9001_client_hello, sizeof rfc9001_client_hello);
    memset(payload + pl, 0, 1000);
    size_t n = seal(dgram, 0xff00001d, 0, &k29[0], rfc_dcid, sizeof rfc_dcid, 0, payload, pl + 1000);
    assert_int_equal(datagram(x, DIR_C2S, dgram, n), CONN_CONTINUE);
    assert_int_equal(x->c->client_hello_version, 0xff00001d);
    assert_int_equal(datagram(x, DIR_S2C, vn, sizeof vn), CONN_CONTINUE);
    assert_true(x->c->version_negotiation_seen);
    assert_int_equal(datagram(x, DIR_C2S, rfc9001_client_initial, sizeof rfc9001_client_initial), CONN_CONTINUE);
    assert_int_equal(datagram(x, DIR_S2C, rfc9001_server_initial, sizeof rfc9001_server_initial), CONN_CONTINUE);
    assert_int_equal(datagram(x, DIR_S2C, vn, sizeof vn), CONN_CONTINUE);
    assert_int_equal(x->q.st.version_negotiations, 1);
    assert_int_equal(x->q.st.version_negotiations_ignored, 1);
    uint8_t pkt[64];
    n = handshake_packet(pkt);
    assert_int_equal(datagram(x, DIR_S2C, pkt, n), CONN_CONTINUE);
    assert_int_equal(datagram(x, DIR_C2S, pkt, n), CONN_DONE);
    assert_int_equal(x->emitted, 1);
    assert_int_equal(x->last.outcome, TLS_OUTCOME_ESTABLISHED);
    expect_rfc_client_hello(&x->last.client);
    assert_int_equal(x->last.client.quic_version, 0xff00001d);
    assert_int_equal(x->last.client.quic_versions_n, 2);
    assert_int_equal(x->last.client.quic_versions[0], 0xff00001d);
    assert_int_equal(x->last.client.quic_versions[1], 1);
    assert_int_equal(x->last.server.quic_versions_n, 1);
    assert_int_equal(x->last.server.quic_versions[0], 1);
    assert_int_equal(x->last.server.cipher, 0x1301);
}

/* More versions than the report holds: the first TLS_QUIC_VERSIONS_MAX are
 * kept, and that more came is said. */
static void test_version_negotiation_many(void **state)
{
    struct run *x = *state;
    uint8_t vn[7 + 4 * (TLS_QUIC_VERSIONS_MAX + 3)] = { 0x80, 0, 0, 0, 0, 0, 0 };
    for (size_t i = 0; i < TLS_QUIC_VERSIONS_MAX + 3; i++) {
        vn[7 + 4 * i] = 0xff;           /* draft-(i + 1): never the client's v1 */
        vn[7 + 4 * i + 3] = (uint8_t)(i + 1);
    }
    assert_int_equal(datagram(x, DIR_C2S, rfc9001_client_initial, sizeof rfc9001_client_initial), CONN_CONTINUE);
    assert_int_equal(datagram(x, DIR_S2C, vn, sizeof vn), CONN_CONTINUE);
    const struct tls_server_report *s = &x->c->report.server;
    assert_int_equal(s->quic_versions_n, TLS_QUIC_VERSIONS_MAX);
    assert_int_equal(s->quic_versions[0], 0xff000001);
    assert_int_equal(s->quic_versions[TLS_QUIC_VERSIONS_MAX - 1], 0xff000000 | TLS_QUIC_VERSIONS_MAX);
    assert_true(s->quic_versions_more);
}

/* A client's first Initial of `total` bytes keyed by `dcid` (8 bytes),
 * carrying the RFC ClientHello and PADDING. */
static size_t first_initial(uint8_t *out, const uint8_t dcid[8], const struct quic_keys *k, size_t total)
{
    uint8_t payload[PKT_MAX];
    size_t pl = crypto_frame(payload, 0, rfc9001_client_hello, sizeof rfc9001_client_hello);
    size_t overhead = 22 + 16; /* seal's header with an 8-byte DCID, the AEAD tag */
    memset(payload + pl, 0, total - overhead - pl);
    return seal(out, 1, 0, k, dcid, 8, 0, payload, total - overhead);
}

/* A decided connection's 4-tuple reused: only a client Initial of 1200
 * bytes or more, keyed by a DCID other than the old one's and opened by the
 * keys of its own DCID, is a new connection. Late packets of the old one
 * are not: its retransmitted first Initial, its Initials to the server's
 * chosen DCID, Handshake packets, short datagrams. */
static void test_reopens(void **state)
{
    struct run *x = *state;
    uint8_t pkt[64];
    size_t n = handshake_packet(pkt);
    assert_int_equal(datagram(x, DIR_C2S, rfc9001_client_initial, sizeof rfc9001_client_initial), CONN_CONTINUE);
    assert_int_equal(datagram(x, DIR_S2C, rfc9001_server_initial, sizeof rfc9001_server_initial), CONN_CONTINUE);
    assert_int_equal(datagram(x, DIR_S2C, pkt, n), CONN_CONTINUE);
    assert_int_equal(datagram(x, DIR_C2S, pkt, n), CONN_DONE);
    uint32_t note = x->c->dcid_note;
    assert_int_equal(note, dq_note(span_make(rfc_dcid, sizeof rfc_dcid)));
    assert_int_not_equal(note, 0);

    assert_false(quic_reopens(&x->q, span_make(rfc9001_client_initial, sizeof rfc9001_client_initial), note));
    assert_int_equal(x->q.st.reopen_checks, 0);

    static const uint8_t new_dcid[8] = { 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18 };
    struct quic_keys k[2];
    assert_true(quic_initial_keys(1, span_make(new_dcid, sizeof new_dcid), &k[0], &k[1]));
    uint8_t dgram[PKT_MAX];
    n = first_initial(dgram, new_dcid, &k[0], 1200);
    assert_int_equal(n, 1200);
    uint8_t *b = test_exact_copy(dgram, n);
    assert_true(quic_reopens(&x->q, span_make(b, n), note));
    free(b);
    assert_int_equal(x->q.st.reopen_checks, 1);
    /* The same new connection's own note: a retransmission of it. */
    assert_false(quic_reopens(&x->q, span_make(dgram, n), dq_note(span_make(new_dcid, 8))));
    /* One byte short of RFC 9000 14.1's minimum: not even decrypted. */
    n = first_initial(dgram, new_dcid, &k[0], 1199);
    assert_false(quic_reopens(&x->q, span_make(dgram, n), note));
    assert_int_equal(x->q.st.reopen_checks, 1);
    /* The old connection's Initial to the server's chosen DCID (an ACK
     * coalesced with its Handshake packet): that DCID's keys do not open it. */
    static const uint8_t server_cid[8] = { 0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x27, 0x28 };
    n = first_initial(dgram, server_cid, &x->keys[0], 1200);
    assert_false(quic_reopens(&x->q, span_make(dgram, n), note));
    assert_int_equal(x->q.st.reopen_checks, 2);
    /* A Handshake packet of the new DCID, padded: not an Initial. */
    n = first_initial(dgram, new_dcid, &k[0], 1200);
    dgram[0] = (uint8_t)((dgram[0] & ~0x30) | 0x20);
    assert_false(quic_reopens(&x->q, span_make(dgram, n), note));
    assert_int_equal(x->q.st.reopen_checks, 2);

    /* A reserved version (RFC 9000 15) forcing Version Negotiation: a new
     * connection's first Initial, undecrypted; not with the old DCID. */
    memset(dgram, 0, 1200);
    static const uint8_t probe[] = { 0xc3, 0x1a, 0x2a, 0x3a, 0x4a, 0x08 }; /* long header, version, DCID length */
    memcpy(dgram, probe, sizeof probe);
    memcpy(dgram + sizeof probe, new_dcid, 8);
    assert_true(quic_reopens(&x->q, span_make(dgram, 1200), note));
    assert_false(quic_reopens(&x->q, span_make(dgram, 1200), dq_note(span_make(new_dcid, 8))));
    assert_false(quic_reopens(&x->q, span_make(dgram, 1199), note));
    assert_int_equal(x->q.st.reopen_checks, 2);

    /* The new connection, begun afresh, reads its hello and notes its DCID. */
    quic_end(&x->q, x->c);
    quic_begin(&x->q, x->c);
    n = first_initial(dgram, new_dcid, &k[0], 1200);
    assert_int_equal(datagram(x, DIR_C2S, dgram, n), CONN_CONTINUE);
    expect_rfc_client_hello(&x->c->report.client);
    assert_int_equal(x->c->dcid_note, dq_note(span_make(new_dcid, sizeof new_dcid)));
}

static void test_sniff(void **state)
{
    (void)state;
    static const uint8_t short_hdr[] = { 0x40, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08 };
    static const uint8_t unknown[] = { 0xc0, 0x12, 0x34, 0x56, 0x78, 0x00, 0x00, 0x00, 0x00 };
    static const uint8_t no_fixed_bit[] = { 0x80, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00 };
    static const uint8_t dtls[] = { 0x16, 0xfe, 0xfd, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00 };
    assert_false(quic_sniff(span_make(short_hdr, sizeof short_hdr)));
    assert_false(quic_sniff(span_make(unknown, sizeof unknown)));
    assert_false(quic_sniff(span_make(no_fixed_bit, sizeof no_fixed_bit)));
    assert_false(quic_sniff(span_make(dtls, sizeof dtls)));
    /* Every strict prefix of a real Initial's header is too short to tell. */
    for (size_t i = 0; i < 7; i++) {
        uint8_t *b = test_exact_copy(rfc9001_client_initial, i);
        assert_false(quic_sniff(span_make(b, i)));
        free(b);
    }
}

/* Every strict prefix of the RFC's client datagram, and the datagram with
 * one trailing byte: nothing is read past the end, and only the whole one
 * opens (a cut packet's length lies; a trailing byte is a packet of its own
 * that does not parse). */
static void test_prefixes(void **state)
{
    struct run *x = *state;
    for (size_t i = 0; i < sizeof rfc9001_client_initial; i++) {
        /* A connection each: so many datagrams without a hello would be given up. */
        quic_end(&x->q, x->c);
        quic_begin(&x->q, x->c);
        assert_int_equal(datagram(x, DIR_C2S, rfc9001_client_initial, i), CONN_CONTINUE);
        assert_false(x->c->report.client.seen);
    }
    assert_int_equal(x->q.st.decrypted, 0);
    uint8_t *b = test_exact_copy_plus(rfc9001_client_initial, sizeof rfc9001_client_initial, 0xc3);
    assert_int_equal(quic_datagram(&x->q, x->c, &x->meta, DIR_C2S, span_make(b, sizeof rfc9001_client_initial + 1)),
                     CONN_CONTINUE);
    free(b);
    expect_rfc_client_hello(&x->c->report.client);
}

/* A flow that never shows a ClientHello is given up. */
static void test_give_up(void **state)
{
    struct run *x = *state;
    uint8_t pkt[64];
    size_t n = handshake_packet(pkt);
    enum conn_verdict v = CONN_CONTINUE;
    unsigned i = 0;
    while (v == CONN_CONTINUE && i < 100) {
        v = datagram(x, i % 2, pkt, n);
        i++;
    }
    assert_int_equal(v, CONN_DONE);
    assert_int_equal(i, QUIC_GIVE_UP_DATAGRAMS);
    assert_int_equal(x->emitted, 0);
    assert_int_equal(x->q.st.given_up, 1);
}

/* CRYPTO data beyond what is kept, and a lying frame length. */
static void test_crypto_bounds(void **state)
{
    struct run *x = *state;
    uint8_t payload[PKT_MAX], dgram[PKT_MAX];
    size_t pl = crypto_frame(payload, 0, rfc9001_client_hello, 4); /* the hello's header only */
    payload[pl++] = 0x06;                                           /* CRYPTO */
    payload[pl++] = 0x80;                                           /* offset 4 MiB: beyond what is kept */
    payload[pl++] = 0x40;
    payload[pl++] = 0x00;
    payload[pl++] = 0x00;
    payload[pl++] = 0x01;                                           /* length 1 */
    payload[pl++] = 0x00;
    memset(payload + pl, 0, 30);
    pl += 30;
    size_t n = seal(dgram, 1, 0, &x->keys[0], rfc_dcid, sizeof rfc_dcid, 0, payload, pl);
    assert_int_equal(datagram(x, DIR_C2S, dgram, n), CONN_CONTINUE);
    assert_int_equal(x->q.st.crypto_dropped, 1);
    assert_true(x->c->report.client.seen); /* its header began the hello */
    /* A frame whose length runs past the packet stops the frames. */
    pl = 0;
    payload[pl++] = 0x06;
    payload[pl++] = 0x00;
    payload[pl++] = 0x44; /* length 1024: more than follows */
    payload[pl++] = 0x00;
    memset(payload + pl, 0, 40);
    pl += 40;
    n = seal(dgram, 1, 0, &x->keys[0], rfc_dcid, sizeof rfc_dcid, 1, payload, pl);
    assert_int_equal(datagram(x, DIR_C2S, dgram, n), CONN_CONTINUE);
    assert_int_equal(x->q.st.malformed, 1);
    quic_close(&x->q, x->c, &x->meta, CONN_REASON_END_OF_INPUT);
    assert_int_equal(x->emitted, 1);
    assert_true(x->last.truncated);
}

static void test_varint(void **state)
{
    (void)state;
    /* RFC 9000 A.1's examples. */
    static const uint8_t v8[] = { 0xc2, 0x19, 0x7c, 0x5e, 0xff, 0x14, 0xe8, 0x8c };
    static const uint8_t v4[] = { 0x9d, 0x7f, 0x3e, 0x7d };
    static const uint8_t v2[] = { 0x7b, 0xbd };
    static const uint8_t v1[] = { 0x25 };
    struct span s = span_make(v8, sizeof v8);
    assert_true(quic_varint(&s) == 151288809941952652ull && span_done(&s));
    s = span_make(v4, sizeof v4);
    assert_true(quic_varint(&s) == 494878333 && span_done(&s));
    s = span_make(v2, sizeof v2);
    assert_true(quic_varint(&s) == 15293 && span_done(&s));
    s = span_make(v1, sizeof v1);
    assert_true(quic_varint(&s) == 37 && span_done(&s));
    s = span_make(v8, 7);
    assert_int_equal(quic_varint(&s), 0);
    assert_false(span_ok(&s));
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_initial_keys_v1),
        cmocka_unit_test(test_initial_keys_v2),
        cmocka_unit_test(test_versions),
        cmocka_unit_test(test_hp_masks),
        cmocka_unit_test(test_unprotect_rfc_packets),
        cmocka_unit_test(test_protect_rfc_packets),
        cmocka_unit_test(test_sniff),
        cmocka_unit_test_setup_teardown(test_reopens, setup, teardown),
        cmocka_unit_test_setup_teardown(test_version_negotiation_discarded, setup, teardown),
        cmocka_unit_test_setup_teardown(test_version_negotiation_retried, setup, teardown),
        cmocka_unit_test_setup_teardown(test_version_negotiation_many, setup, teardown),
        cmocka_unit_test(test_varint),
        T(test_rfc_connection),
        T(test_split_scrambled_repeated),
        T(test_coalesced),
        T(test_retry),
        T(test_connection_close_alert),
        T(test_connection_close_transport),
        T(test_version_negotiation),
        T(test_prefixes),
        T(test_give_up),
        T(test_crypto_bounds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

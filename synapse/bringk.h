// The offsets of bringK's fields (bring.go), for bring_amd64.s and
// bring512_amd64.s (bring_amd64.go checks them at compile time); every
// number is broadcast to four lanes (32 bytes).
#define T 0
#define T0 32
#define D0 64
#define TONIC 96
#define TAUCD 128
#define TAUC 160
#define LO 192
#define HI 224
#define LOHI 256
#define TABLEN 288
#define ONE 320
#define TDEAD 352
#define ABSMASK 384
#define BMIN 416
#define BMAX 448
#define ED 480
#define EM 488
#define GC 496
#define HASD 504
#define HASTONIC 512

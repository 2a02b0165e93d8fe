#ifndef RD_VERSION_H
#define RD_VERSION_H
#define RD_VERSION "0.1.0"
/* The engine API version packs declare support for. */
#define RD_ENGINE_API "1"
#endif

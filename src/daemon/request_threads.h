/* Threads that read a FUSE session's requests from /dev/fuse and answer them, each with
 * its own buffer; the kernel hands each request to one of them. Used by the caller views
 * (beside the main thread's fuse_session_loop, which the stop signals interrupt) and by
 * the container views. */
#pragma once

#include <fuse_lowlevel.h>
#include <glib.h>

typedef struct RequestThreads RequestThreads;

/* Starts up to n threads serving se (fewer if the system refuses more; NULL if none
 * started). They take no signal but SIGUSR2, which wakes them for the stop; start them
 * with the stop signals blocked in the caller (they inherit its mask). */
RequestThreads *request_threads_start(struct fuse_session *se, guint n);

/* How many threads started (0 for NULL). */
guint request_threads_started(const RequestThreads *threads);

/* After fuse_session_exit(se): wakes the threads out of read(2) until all have seen the
 * exit (bind mounts in containers may keep the connection alive after the unmount, so a
 * read may never end by itself) and joins them. NULL is ignored. */
void request_threads_stop(RequestThreads *threads);

/* The number of caller-view request threads worth running here: one per two CPUs the
 * daemon may use, at least 1, at most 4. Each read costs the reader about as much CPU as
 * the daemon, and more threads than that only add wake-ups: on 2 CPUs, 8 readers got
 * 11,100 reads/s from one thread and 8,400 from two (84 and 121 us of daemon CPU per
 * read). */
guint request_threads_wanted(void);

/* The monitor: the process that stays beside a container (the launcher itself for an
 * attached run, a detached child for -d). It forwards signals to the container's init,
 * relays its pty, reaps it and hands the wait status back. */
#pragma once

#include "container.h"

#include <signal.h>

/* Blocks the signals the monitor handles (so none is lost between start and wait) and
 * ignores SIGPIPE. The container's init restores *ret_old before it execs. */
void plc_monitor_block_signals(sigset_t *ret_old);
/* The set plc_monitor_block_signals blocks. */
void plc_monitor_signal_set(sigset_t *ret_set);

/* Waits for the container's init to exit; returns its wait status. in_fd feeds the pty
 * (-1: nothing), out_fd receives the pty's output. */
int plc_monitor_wait(PlcRunning *r, int in_fd, int out_fd);

/* replay: `cmon replay FILE [-dummy] [-json]`, a recording (record.h)
 * shown again. The monitor is rebuilt from the recorded values through
 * cm_monitor_replay_poll (bodies are not parsed again); -dummy prints the
 * blocks the live -dummy printed, at the same moments; the screen plays
 * the run back with the monitor's keys plus play/pause, speed, jumps. */
#ifndef CMON_REPLAY_H
#define CMON_REPLAY_H

/* argv[0..argc) are the arguments after "replay". The exit status: 0, 1
 * (the recording cannot be read), 2 (bad command line). */
int cm_replay_main(int argc, char **argv);

#endif

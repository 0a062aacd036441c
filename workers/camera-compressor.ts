/**
 * The compressor of one camera, as the worker thread runs it: takes the typed main->worker
 * messages, supervises ffmpeg, turns its pipe output into frames and posts worker->main messages.
 * Independent of worker_threads (the thread entry only wires `post` to parentPort), so tests can run
 * it on the main thread.
 */
import type { Frame } from '../protocols/media/frame.ts';
import { buildFfmpegArgs, pipeContainer } from './ffmpeg-args.ts';
import { createContainerParser, type ContainerParser, type FrameSink } from './container-parser.ts';
import { assertNever, type MainToWorkerMessage, type StartMessage, type WorkerToMainMessage } from './messages.ts';
import { FfmpegSupervisor } from './supervisor.ts';
import { checkHardwareEncoder } from './hardware-encoders.ts';

/** Posts a message; `transfer` lists the ArrayBuffers handed over (not copied). */
export type PostMessage = (message: WorkerToMainMessage, transfer?: ArrayBuffer[]) => void;

/** Why a profile's codec cannot run here (null: it can). See workers/hardware-encoders.ts. */
export type EncoderCheck = (ffmpegPath: string, codec: StartMessage['profile']['codec']) => Promise<string | null>;

export class CameraCompressor {
  readonly #post: PostMessage;
  readonly #defaultFfmpegPath: string;
  readonly #checkEncoder: EncoderCheck;
  #supervisor: FfmpegSupervisor | null = null;
  #parser: ContainerParser | null = null;
  #started = false;
  #stopped = false;

  constructor(post: PostMessage, defaultFfmpegPath: string, checkEncoder: EncoderCheck = checkHardwareEncoder) {
    this.#post = post;
    this.#defaultFfmpegPath = defaultFfmpegPath;
    this.#checkEncoder = checkEncoder;
  }

  /** Handles one message; resolves when it is done ('start': ffmpeg spawned or refused; 'stop': ffmpeg exited). */
  async handle(message: MainToWorkerMessage): Promise<void> {
    switch (message.type) {
      case 'start':
        await this.#start(message);
        return;
      case 'stop':
        await this.stop();
        return;
      default:
        assertNever(message);
    }
  }

  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    await this.#supervisor?.stop();
    this.#post({ type: 'stopped' });
  }

  async #start(m: StartMessage): Promise<void> {
    if (this.#started || this.#stopped) {
      this.#post({ type: 'error', message: 'start received twice; a worker compresses one camera once' });
      return;
    }
    this.#started = true;
    const ffmpegPath = m.ffmpegPath ?? this.#defaultFfmpegPath;
    const problem = await this.#checkEncoder(ffmpegPath, m.profile.codec);
    if (this.#stopped) return; // stopped while checking: nothing was spawned
    if (problem !== null) {
      this.#post({ type: 'unsupported', message: problem });
      return;
    }
    const container = m.output.kind === 'frames' ? pipeContainer(m.profile.codec) : null;
    const args = buildFfmpegArgs({
      inputUrl: m.inputUrl,
      ...(m.inputArgs !== undefined ? { inputArgs: m.inputArgs } : {}),
      profile: m.profile,
      output: m.output,
    });
    const sink: FrameSink = {
      onDescription: (desc) => this.#post({ type: 'description', desc }),
      onMetadata: (meta) => this.#post({ type: 'metadata', meta }),
      onFrame: (f) => this.#postFrame(f),
    };
    const supervisor = new FfmpegSupervisor(
      { ffmpegPath, args, stallTimeoutMs: m.stallTimeoutMs, backoff: m.backoff },
      {
        onStarted: (pid) => {
          // Each run writes a new container header: start a fresh parser.
          this.#parser = container === null ? null : createContainerParser(container, sink);
          this.#post({ type: 'ffmpeg-started', pid });
        },
        onStdout: (chunk) => {
          const parser = this.#parser;
          if (parser === null) return;
          try {
            parser.push(chunk);
          } catch (err) {
            // Corrupt output of our own ffmpeg: drop this run's parser and restart ffmpeg.
            this.#parser = null;
            const text = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
            this.#post({ type: 'error', message: `ffmpeg output unreadable: ${text}` });
            supervisor.restart('unreadable output');
          }
        },
        onProgress: (r) =>
          this.#post({
            type: 'progress',
            fps: r.fps,
            speed: r.speed,
            bitrateBps: r.bitrateBps,
            frames: r.frame,
            dropped: r.dropFrames,
            duplicated: r.dupFrames,
            restarts: supervisor.restarts,
          }),
        onExited: (code, signal, stderrTail) => {
          this.#parser = null;
          this.#post({ type: 'ffmpeg-exited', code, signal, stderrTail });
        },
        onBackoff: (delayMs, attempt) => this.#post({ type: 'backoff', delayMs, attempt }),
        onStalled: () => this.#post({ type: 'stalled' }),
      },
    );
    this.#supervisor = supervisor;
    supervisor.start();
  }

  /** One copy: the payload (a view into ffmpeg's pipe chunk) into an ArrayBuffer of its own, transferred. */
  #postFrame(f: Frame): void {
    const payload = new ArrayBuffer(f.payload.length);
    new Uint8Array(payload).set(f.payload);
    this.#post({ type: 'frame', track: f.track, dts: f.dts, pts: f.pts, keyframe: f.keyframe, payload }, [payload]);
  }
}

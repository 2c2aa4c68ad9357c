// An artifact's folder as the studio shows it: the path and a copy button, plus "Show in folder" in the desktop app,
// which asks main to reveal it (main checks the folder is the engine's). A browser has no shell, so it says so.
import { getDesktopApi } from '../desktop/desktop-api.ts';
import { CopyButton } from '../serving/CopyButton.tsx';
import { useStudio } from '../store/store-context.tsx';

/** `copyOf`: for a copy outside the store (an export's outDir), the artifact folder whose record names it. */
export function ArtifactFolder({ path, copyOf }: { path: string; copyOf?: string }) {
  const desktop = getDesktopApi();
  const notify = useStudio((state) => state.notify);
  const reveal = () => {
    desktop?.revealFolder(copyOf === undefined ? { path } : { path, copyOf }).catch((error: unknown) => notify('error', revealFailure(error)));
  };
  return (
    <span className="artifact-folder">
      <code>{path}</code> <CopyButton text={path} label="copy path" />{' '}
      {desktop ? (
        <button type="button" onClick={reveal} title="Show this folder in the file manager">
          Show in folder
        </button>
      ) : (
        <span className="muted">open it in your file manager, or from the desktop app</span>
      )}
    </span>
  );
}

/** Electron wraps errors thrown in main as "Error invoking remote method '<channel>': Error: …"; keep the "…". */
function revealFailure(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.replace(/^Error invoking remote method '[^']*': (?:Error: )?/, '');
}

/**
 * The Content-Disposition a download URL asks blob storage to send (SAS `rscd`), which is where
 * the client takes the file name of a non-zip (skipArchive) download from:
 * `attachment; filename="<ascii>"; filename*=UTF-8''<pct-encoded>`. The client prefers filename*
 * (RFC 5987) and falls back to filename; header values must stay ASCII, hence the replacement.
 */
export function contentDisposition(fileName: string): string {
  const ascii = fileName.replace(/[^\x20-\x7e]|["\\]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(fileName)}`;
}

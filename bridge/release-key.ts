declare const __LIS_RELEASE_PUBLIC_KEY__: string | undefined;

/**
 * The public half of the release key (PEM, Ed25519), built into the executable from the build's
 * `LIS_BRIDGE_RELEASE_PUBLIC_KEY` input. A build without it (a developer's) refuses every update:
 * there is no key in the environment or on disk that could be swapped for it.
 */
export const RELEASE_PUBLIC_KEY: string | null =
  typeof __LIS_RELEASE_PUBLIC_KEY__ === 'string' && __LIS_RELEASE_PUBLIC_KEY__ !== '' ? __LIS_RELEASE_PUBLIC_KEY__ : null;

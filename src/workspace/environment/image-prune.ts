import type { Docker } from "../engine/docker.js";
import { IMAGE_LABELS } from "./images.js";

/** The tag Nexus gives the images it builds (images.ts): the only tags `prune` ever removes. */
const NEXUS_TAG = /^nexus\/build:[0-9a-f]+$/;

/**
 * Images Nexus built (labelled `nexus.image=1`) that no container on the engine uses, running or
 * stopped: a stopped workspace of any repository keeps its image. Only Nexus's own tags are named;
 * an image that also carries another tag (someone tagged it) keeps that tag, and the image with it.
 * A workspace whose containers are gone builds its image again at its next `up`.
 */
export async function unusedImages(docker: Docker): Promise<string[]> {
  const [images, containers] = await Promise.all([
    docker.listImages({ filters: { label: [`${IMAGE_LABELS.nexus}=1`] } }),
    docker.listContainers({ all: true }),
  ]);
  const used = new Set(containers.map((c) => c.ImageID));
  const refs: string[] = [];
  for (const image of images) {
    if (used.has(image.Id) || image.Labels?.[IMAGE_LABELS.nexus] !== "1") continue;
    const tags = (image.RepoTags ?? []).filter((t) => t !== "<none>:<none>");
    if (!tags.length) refs.push(image.Id);
    else refs.push(...tags.filter((t) => NEXUS_TAG.test(t)));
  }
  return refs.sort();
}

/**
 * Removes them without force: the engine itself refuses an image a container started using since it
 * was listed (a create in another repository), or one another image is built on; those are kept.
 */
export async function removeImages(docker: Docker, refs: string[]): Promise<string[]> {
  const removed: string[] = [];
  for (const ref of refs) {
    const ok = await docker
      .getImage(ref)
      .remove()
      .then(() => true)
      .catch(() => false);
    if (ok) removed.push(ref);
  }
  return removed;
}

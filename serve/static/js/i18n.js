// UI strings in English and Korean, chosen from the browser's language (navigator.languages).

const STRINGS = {
  en: {
    'app.tagline': 'Ask your documents',
    'tab.chat': 'Chat',
    'tab.search': 'Search',
    'status.documents': '{n} documents',
    'status.document': '1 document',
    'status.offline': 'Server unreachable',
    'token.prompt': 'This server needs an access token (docrag serve --token). Enter it:',
    'library.title': 'Library',
    'library.drop': 'Drop files here',
    'library.choose': 'or choose files',
    'library.empty': 'No documents yet. Drop a PDF, image, Office or HWP file above.',
    'library.open': 'Show the first page',
    'library.meta': '{pages} pages · {elements} elements',
    'library.remove': 'Remove from the library',
    'library.confirmRemove': 'Remove {name} from the library? The file itself is not touched.',
    'library.removeFailed': 'Could not remove {name}',
    'library.loadFailed': 'Could not load the document list',
    'job.uploading': 'Uploading {n} file(s)…',
    'job.queued': 'Waiting for the ingest before it…',
    'job.running': 'Reading {done} of {total} files…',
    'job.done': 'Done: {done} of {total} files',
    'job.failed': 'Ingest failed',
    'job.tooLarge': 'The upload is larger than the server accepts.',
    'job.uploadFailed': 'Upload refused: {names}',
    'job.lost': 'Lost track of an ingest',
    'job.cancel': 'Cancel',
    'job.cancelling': 'Cancelling after the current document…',
    'job.cancelled': 'Cancelled: {done} of {total} files read',
    'job.cancelFailed': 'Could not cancel the ingest',
    'notice.dismiss': 'Dismiss',
    'chat.new': 'New chat',
    'chat.placeholder': 'Ask a question about your documents…',
    'chat.ask': 'Ask',
    'chat.attach': 'Attach an image',
    'chat.detach': 'Remove the image',
    'chat.hint': 'Answers cite their sources. Click a citation to see the page with the passage highlighted.',
    'chat.failed': 'No answer: {reason}',
    'chat.noAnswer': 'the server closed the stream before the answer',
    'chat.pageShort': 'p. {page}',
    'chat.extractive': 'extractive answer (quoted from the documents)',
    'chat.emptyLibrary': 'The library is empty: drop files on the library on the left, then ask again.',
    'kind.text': 'text',
    'kind.title': 'title',
    'kind.table': 'table',
    'kind.figure': 'figure',
    'kind.caption': 'caption',
    'kind.page': 'page',
    'search.placeholder': 'Search the library…',
    'search.submit': 'Search',
    'search.kind': 'Kind',
    'search.anyKind': 'Any kind',
    'search.pages': 'Pages',
    'search.pagesPlaceholder': 'e.g. 3-5',
    'search.document': 'Document',
    'search.allDocuments': 'All documents',
    'search.k': 'Results',
    'search.byImage': 'Search by image',
    'search.searching': 'Searching…',
    'search.count': '{n} results',
    'search.none': 'Nothing found.',
    'search.failed': 'Search failed: {reason}',
    'search.open': 'Open the page',
    'search.pageThumb': 'page thumbnail',
    'viewer.page': 'Page {page} / {pages}',
    'viewer.prev': 'Previous page',
    'viewer.next': 'Next page',
    'viewer.zoomIn': 'Zoom in',
    'viewer.zoomOut': 'Zoom out',
    'viewer.close': 'Close the viewer',
    'viewer.failed': 'Cannot show this page: {reason}',
  },
  ko: {
    'app.tagline': '문서에 질문하세요',
    'tab.chat': '대화',
    'tab.search': '검색',
    'status.documents': '문서 {n}개',
    'status.document': '문서 1개',
    'status.offline': '서버에 연결할 수 없습니다',
    'token.prompt': '이 서버는 접근 토큰이 필요합니다 (docrag serve --token). 토큰을 입력하세요:',
    'library.title': '문서함',
    'library.drop': '여기에 파일을 끌어다 놓으세요',
    'library.choose': '또는 파일 선택',
    'library.empty': '아직 문서가 없습니다. 위에 PDF, 이미지, Office 또는 HWP 파일을 놓으세요.',
    'library.open': '첫 페이지 보기',
    'library.meta': '{pages}쪽 · 요소 {elements}개',
    'library.remove': '문서함에서 삭제',
    'library.confirmRemove': '{name}을(를) 문서함에서 삭제할까요? 원본 파일은 그대로 둡니다.',
    'library.removeFailed': '{name}을(를) 삭제하지 못했습니다',
    'library.loadFailed': '문서 목록을 불러오지 못했습니다',
    'job.uploading': '파일 {n}개 올리는 중…',
    'job.queued': '앞선 작업을 기다리는 중…',
    'job.running': '파일 {total}개 중 {done}개 읽는 중…',
    'job.done': '완료: 파일 {total}개 중 {done}개',
    'job.failed': '가져오기 실패',
    'job.tooLarge': '업로드가 서버 허용 크기보다 큽니다.',
    'job.uploadFailed': '업로드 거부: {names}',
    'job.lost': '가져오기 작업 상태를 알 수 없습니다',
    'job.cancel': '취소',
    'job.cancelling': '지금 문서를 마친 뒤 취소하는 중…',
    'job.cancelled': '취소됨: 파일 {total}개 중 {done}개 읽음',
    'job.cancelFailed': '가져오기를 취소하지 못했습니다',
    'notice.dismiss': '닫기',
    'chat.new': '새 대화',
    'chat.placeholder': '문서에 대해 질문하세요…',
    'chat.ask': '질문',
    'chat.attach': '이미지 첨부',
    'chat.detach': '이미지 제거',
    'chat.hint': '답변에는 출처가 표시됩니다. 출처를 누르면 해당 부분이 강조된 페이지를 볼 수 있습니다.',
    'chat.failed': '답변 실패: {reason}',
    'chat.noAnswer': '답변 전에 서버 연결이 끊겼습니다',
    'chat.pageShort': '{page}쪽',
    'chat.extractive': '발췌 답변 (문서에서 인용)',
    'chat.emptyLibrary': '문서함이 비어 있습니다. 왼쪽 문서함에 파일을 놓은 뒤 다시 질문하세요.',
    'kind.text': '본문',
    'kind.title': '제목',
    'kind.table': '표',
    'kind.figure': '그림',
    'kind.caption': '캡션',
    'kind.page': '페이지',
    'search.placeholder': '문서함 검색…',
    'search.submit': '검색',
    'search.kind': '종류',
    'search.anyKind': '모든 종류',
    'search.pages': '페이지',
    'search.pagesPlaceholder': '예: 3-5',
    'search.document': '문서',
    'search.allDocuments': '모든 문서',
    'search.k': '결과 수',
    'search.byImage': '이미지로 검색',
    'search.searching': '검색 중…',
    'search.count': '결과 {n}개',
    'search.none': '찾은 결과가 없습니다.',
    'search.failed': '검색 실패: {reason}',
    'search.open': '페이지 열기',
    'search.pageThumb': '페이지 미리보기',
    'viewer.page': '{page} / {pages}쪽',
    'viewer.prev': '이전 페이지',
    'viewer.next': '다음 페이지',
    'viewer.zoomIn': '확대',
    'viewer.zoomOut': '축소',
    'viewer.close': '뷰어 닫기',
    'viewer.failed': '이 페이지를 표시할 수 없습니다: {reason}',
  },
};

function chooseLanguage() {
  const wanted = new URLSearchParams(window.location.search).get('lang');
  const preferences = [wanted, ...(navigator.languages || []), navigator.language].filter(Boolean);
  for (const tag of preferences) {
    const base = tag.toLowerCase().split('-')[0];
    if (base in STRINGS) return base;
  }
  return 'en';
}

/** The UI language: "en" or "ko". */
export const lang = chooseLanguage();

/** The UI string `key` with {name} placeholders filled from `vars`. */
export function t(key, vars = {}) {
  const template = STRINGS[lang][key] ?? STRINGS.en[key] ?? key;
  return template.replace(/\{(\w+)\}/g, (whole, name) => (name in vars ? String(vars[name]) : whole));
}

/** Fill elements marked data-i18n (text), data-i18n-placeholder, data-i18n-title and data-i18n-label. */
export function applyI18n(root) {
  document.documentElement.lang = lang;
  for (const node of root.querySelectorAll('[data-i18n]')) node.textContent = t(node.dataset.i18n);
  for (const node of root.querySelectorAll('[data-i18n-placeholder]')) node.placeholder = t(node.dataset.i18nPlaceholder);
  for (const node of root.querySelectorAll('[data-i18n-title]')) {
    node.title = t(node.dataset.i18nTitle);
    node.setAttribute('aria-label', node.title);
  }
}

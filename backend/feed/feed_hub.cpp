#include <backend/feed/feed_hub.h>

#include <QThread>
#include <QTimer>

#include <algorithm>
#include <optional>

namespace ToolCapture {

FeedHub::FeedHub(QObject *parent)
    : FeedHub(Options{}, parent) {}

FeedHub::FeedHub(Options options, QObject *parent)
    : QObject(parent)
    , m_options(options)
    , m_timer(new QTimer(this)) {
    qRegisterMetaType<ToolCapture::FeedMessage>();
    m_timer->setInterval(m_options.period);
    connect(m_timer, &QTimer::timeout, this, &FeedHub::runTick);
}

FeedHub::~FeedHub() = default;

void FeedHub::addStateSubject(const QString &subject, Render render) {
    auto entry = std::make_unique<Subject>();
    entry->render = std::move(render);
    m_subjects[subject] = std::move(entry);
}

void FeedHub::addAppendSubject(const QString &subject) {
    auto entry = std::make_unique<Subject>();
    entry->append = true;
    m_subjects[subject] = std::move(entry);
}

QStringList FeedHub::subjectNames() const {
    QStringList names;
    for (const auto &[name, subject] : m_subjects)
        names.append(name);
    return names;
}

bool FeedHub::hasSubject(const QString &subject) const {
    return find(subject) != nullptr;
}

bool FeedHub::isAppendSubject(const QString &subject) const {
    const Subject *entry = find(subject);
    return entry && entry->append;
}

FeedHub::Subject *FeedHub::find(const QString &subject) const {
    const auto it = m_subjects.find(subject);
    return it == m_subjects.end() ? nullptr : it->second.get();
}

quint64 FeedHub::addSubscriber(Sink sink) {
    const quint64 id = m_nextSubscriber++;
    m_subscribers[id].sink = std::move(sink);
    return id;
}

void FeedHub::setSubjects(quint64 subscriber, const QStringList &subjects) {
    const auto it = m_subscribers.find(subscriber);
    if (it == m_subscribers.end())
        return;
    Subscriber &s = it->second;
    QStringList known;
    for (const QString &name : subjects) {
        if (find(name) && !known.contains(name))
            known.append(name);
    }
    for (const QString &name : std::as_const(s.subjects)) {
        if (known.contains(name))
            continue;
        Subject *subject = find(name);
        if (subject->subscribers.fetch_sub(1) == 1) {
            // Nobody left: forget what was kept for it.
            subject->last.clear();
            subject->pending.clear();
        }
    }
    s.needInitial.clear();
    for (const QString &name : std::as_const(known)) {
        Subject *subject = find(name);
        if (!s.subjects.contains(name))
            subject->subscribers.fetch_add(1);
        if (!subject->append)
            s.needInitial.append(name);
    }
    s.subjects = known;
    scheduleTick(!s.needInitial.isEmpty());
}

void FeedHub::removeSubscriber(quint64 subscriber) {
    setSubjects(subscriber, {});
    m_subscribers.erase(subscriber);
    scheduleTick(false);
}

bool FeedHub::wants(const QString &subject) const {
    const Subject *entry = find(subject);
    return entry && entry->subscribers.load(std::memory_order_relaxed) > 0;
}

void FeedHub::append(const QString &subject, QList<QByteArray> items) {
    if (items.isEmpty() || !wants(subject))
        return;
    if (QThread::currentThread() == thread()) {
        appendNow(subject, std::move(items));
        return;
    }
    QMetaObject::invokeMethod(
        this,
        [this, subject, items = std::move(items)]() mutable {
            appendNow(subject, std::move(items));
        },
        Qt::QueuedConnection);
}

void FeedHub::appendNow(const QString &subject, QList<QByteArray> items) {
    Subject *entry = find(subject);
    if (!entry || !entry->append || entry->subscribers.load() == 0)
        return;
    for (QByteArray &item : items)
        entry->pending.push_back(std::move(item));
    const std::size_t cap = std::size_t(std::max(1, m_options.maxBatch));
    if (entry->pending.size() > cap) {
        // NOTE: a console that cannot keep up sees the newest items; the rest are counted.
        const std::size_t excess = entry->pending.size() - cap;
        entry->pending.erase(entry->pending.begin(), entry->pending.begin() + qsizetype(excess));
        m_dropped += excess;
    }
}

bool FeedHub::isTicking() const {
    return m_timer->isActive();
}

void FeedHub::scheduleTick(bool soon) {
    const bool anyone =
        std::any_of(m_subscribers.begin(), m_subscribers.end(),
                    [](const auto &entry) { return !entry.second.subjects.isEmpty(); });
    if (!anyone) {
        m_timer->stop();
        return;
    }
    if (!m_timer->isActive())
        m_timer->start();
    if (soon)
        QTimer::singleShot(0, this, &FeedHub::runTick);
}

void FeedHub::runTick() {
    if (m_subscribers.empty())
        return;
    ++m_tick;
    std::map<quint64, QList<FeedMessage>> out;
    for (auto &[name, subject] : m_subjects) {
        if (subject->subscribers.load() == 0)
            continue;
        if (subject->append) {
            if (subject->pending.empty())
                continue;
            QByteArray array;
            qsizetype size = 2;
            for (const QByteArray &item : subject->pending)
                size += item.size() + 1;
            array.reserve(size);
            array.append('[');
            for (std::size_t i = 0; i < subject->pending.size(); ++i) {
                if (i > 0)
                    array.append(',');
                array.append(subject->pending[i]);
            }
            array.append(']');
            subject->pending.clear();
            const FeedMessage message{name, true, array, ++m_seq};
            for (auto &[id, s] : m_subscribers) {
                if (s.subjects.contains(name))
                    out[id].append(message);
            }
            continue;
        }
        QByteArray document = subject->render();
        ++m_renders;
        const bool changed = document != subject->last;
        if (changed)
            subject->last = document;
        std::optional<FeedMessage> message;
        for (auto &[id, s] : m_subscribers) {
            if (!s.subjects.contains(name))
                continue;
            const bool initial = s.needInitial.removeAll(name) > 0;
            if (!changed && !initial)
                continue;
            if (!message)
                message = FeedMessage{name, false, document, ++m_seq};
            out[id].append(*message);
        }
    }
    for (auto &[id, batch] : out) {
        const auto it = m_subscribers.find(id);
        if (it != m_subscribers.end() && it->second.sink)
            it->second.sink(std::move(batch));
    }
}

} // namespace ToolCapture
